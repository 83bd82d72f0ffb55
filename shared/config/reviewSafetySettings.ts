import { z } from 'zod';
import { blankAsUnset, ConfigError, optionalString, positiveInt, settingProblems } from './fields';

/** Files that usually hold credentials: never sent to the model unless REVIEW_SECRET_FILES says otherwise. */
export const DEFAULT_SECRET_FILE_PATTERNS = [
  '.env',
  '.env.*',
  '*.pem',
  '*.key',
  '*.pfx',
  '*.p12',
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  '*.keystore',
  '*.jks',
];

/** What bounds and filters the model's input and output; read like the other review settings. */
export const reviewSafetyShape = {
  /** Findings posted per review; the most severe are kept. */
  REVIEW_MAX_FINDINGS: positiveInt(50),
  /** Comma-separated file-name patterns (`*` within a name, `**` across folders) replacing the default list. */
  REVIEW_SECRET_FILES: optionalString.transform((value) =>
    value === undefined
      ? DEFAULT_SECRET_FILE_PATTERNS
      : value
          .split(',')
          .map((pattern) => pattern.trim())
          .filter((pattern) => pattern !== ''),
  ),
};

export interface ReviewSafetySettings {
  maxFindings: number;
  secretFilePatterns: string[];
}

const reviewSafetySchema = z.object(reviewSafetyShape);

export function parseReviewSafetySettings(source: NodeJS.ProcessEnv): ReviewSafetySettings {
  const result = reviewSafetySchema.safeParse(blankAsUnset(source));
  if (!result.success) throw new ConfigError(settingProblems(result.error));
  return {
    maxFindings: result.data.REVIEW_MAX_FINDINGS,
    secretFilePatterns: result.data.REVIEW_SECRET_FILES,
  };
}

let cachedSafety: ReviewSafetySettings | undefined;

/** The process's review safety settings, read from the environment once. */
export function getReviewSafetySettings(): ReviewSafetySettings {
  cachedSafety ??= parseReviewSafetySettings(process.env);
  return cachedSafety;
}
