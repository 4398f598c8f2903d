import crypto from 'node:crypto';

/**
 * Anti-forgery token of the interaction forms: an HMAC of the interaction uid under the cookie
 * key. A forged cross-site form cannot know the uid of the victim's sign-in (it lives in the
 * victim's cookie-bound URL) nor compute the MAC; the provider also checks that the interaction
 * cookie matches the uid. Any of the cookie keys verifies, so keys rotate like cookie keys.
 */
export class CsrfTokens {
  constructor(private readonly keys: string[]) {}

  private mac(key: string, uid: string) {
    return crypto.createHmac('sha256', key).update(`tongmen-interaction-csrf:${uid}`).digest();
  }

  issue(uid: string): string {
    return this.mac(this.keys[0]!, uid).toString('base64url');
  }

  verify(uid: string, token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const given = Buffer.from(token, 'base64url');
    return this.keys.some((key) => {
      const expected = this.mac(key, uid);
      return given.length === expected.length && crypto.timingSafeEqual(given, expected);
    });
  }
}
