import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;
const FINGERPRINT = /^v1 ([A-Za-z0-9_-]{22}) ([A-Za-z0-9_-]{43})$/;

/**
 * `v1 <salt> <scrypt(password, salt)>`, base64url: what a subscription carries instead of the webhook password,
 * which Azure DevOps never returns, so a later run can tell whether the password changed. Anyone who can read the
 * subscription can already redirect it, but scrypt keeps the fingerprint from being a cheap way to guess the
 * password. One salt per instance, so checking every subscription a run wrote costs one derivation.
 */
export class PasswordFingerprints {
  private readonly derived = new Map<string, Promise<Buffer>>();
  private readonly salt = randomBytes(16).toString('base64url');

  constructor(private readonly password: string) {}

  private derive(salt: string): Promise<Buffer> {
    let key = this.derived.get(salt);
    if (!key) this.derived.set(salt, (key = scryptAsync(this.password, Buffer.from(salt, 'base64url'), 32)));
    return key;
  }

  async current(): Promise<string> {
    return `v1 ${this.salt} ${(await this.derive(this.salt)).toString('base64url')}`;
  }

  async matches(fingerprint: string | undefined): Promise<boolean> {
    const parsed = FINGERPRINT.exec(fingerprint ?? '');
    if (!parsed) return false;
    return timingSafeEqual(await this.derive(parsed[1]), Buffer.from(parsed[2], 'base64url'));
  }
}
