import { optionalString, positiveInt } from './fields';

/** Files that usually hold credentials: never sent to the model unless REVIEW_SECRET_FILES says otherwise. */
const DEFAULT_SECRET_FILE_PATTERNS = [
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

export function reviewSafetyOf(env: {
  REVIEW_MAX_FINDINGS: number;
  REVIEW_SECRET_FILES: string[];
}): ReviewSafetySettings {
  return { maxFindings: env.REVIEW_MAX_FINDINGS, secretFilePatterns: env.REVIEW_SECRET_FILES };
}
