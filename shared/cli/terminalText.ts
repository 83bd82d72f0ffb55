import { CONTROL_CHARACTERS } from '../review/safety/sanitizeModelText';

/**
 * Text as a terminal may be given it: each control character shown as a `\u001b`-style escape instead of obeyed.
 * Whatever a model, a repository (file names, file content) or a provider's error wrote passes through this, so
 * none of them can recolour, rewrite or retitle the terminal, or set its clipboard.
 */
export const printable = (text: string): string =>
  text.replace(CONTROL_CHARACTERS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
