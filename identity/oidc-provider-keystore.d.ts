/**
 * oidc-provider builds its keystore and its published JWKS from `configuration.jwks` once, in the
 * constructor, with this internal function (lib/helpers/initialize_keystore.js). Called again on
 * the same provider it validates the new set the same way and replaces both; every signature,
 * verification and JWKS response reads them afresh. identity/key-reload.ts relies on it to swap
 * keys without a restart; test/security-key-rotation.test.ts pins that behaviour on upgrades.
 */
declare module 'oidc-provider/lib/helpers/initialize_keystore.js' {
  import type Provider from 'oidc-provider';
  export default function initializeKeystore(this: Provider, jwks: { keys: object[] }): void;
}
