/**
 * Canary credentials for the secret scans (in memory and through the host): shapes secretScan.ts recognises, planted
 * where a review reads, that must come out nowhere. Each scan brings a PAT of its own shape.
 */

/** An `sk-proj-` key. */
export const LLM_KEY = 'sk-proj-Canary0LlmKey0123456789abcdefABCDEF';
/** A `…Password: "…"` value. */
export const WEBHOOK_PASSWORD = 'Canary-Webhook-Passw0rd-7f3a9c';
/** An Entra client secret. */
export const OAUTH_SECRET = 'abc8Q~CanaryClientSecret0123456789abcdefg';

/** Every canary with the scan's PAT, and a source file holding them all, as a diff would add it. */
export const canariesWith = (pat: string) => ({
  canaries: [pat, LLM_KEY, WEBHOOK_PASSWORD, OAUTH_SECRET],
  settingsFile: [
    'export const settings = {',
    `  token: "${pat}",`,
    `  openAiKey: process.env.KEY ?? "${LLM_KEY}",`,
    `  webhookPassword: "${WEBHOOK_PASSWORD}",`,
    `  clientSecret: "${OAUTH_SECRET}",`,
    '};',
    '',
  ].join('\n'),
});
