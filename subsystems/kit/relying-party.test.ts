import { describe, expect, it } from 'vitest';
import { checkLogoutClaims } from './relying-party.ts';

const EVENT = { 'http://schemas.openid.net/event/backchannel-logout': {} };

describe('R24: a logout token’s claims (Back-Channel Logout 1.0 §2.6)', () => {
  it('names the provider session (sid) and the account (sub)', () => {
    expect(checkLogoutClaims({ events: EVENT, sid: 's1', sub: 'a1' })).toEqual({ sid: 's1', sub: 'a1' });
    expect(checkLogoutClaims({ events: EVENT, sub: 'a1' })).toEqual({ sub: 'a1' });
  });

  it('refuses a token without the back-channel logout event, with a nonce, or naming nobody', () => {
    expect(() => checkLogoutClaims({ sid: 's1' })).toThrow(/event/);
    expect(() => checkLogoutClaims({ events: { other: {} }, sid: 's1' })).toThrow(/event/);
    expect(() => checkLogoutClaims({ events: EVENT, sid: 's1', nonce: 'n' })).toThrow(/nonce/);
    expect(() => checkLogoutClaims({ events: EVENT })).toThrow(/neither/);
  });
});
