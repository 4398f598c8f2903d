import initializeKeystore from 'oidc-provider/lib/helpers/initialize_keystore.js';
import type Provider from 'oidc-provider';
import type { Sequelize } from 'sequelize';
import type { PiiCipher } from '../platform/crypto/pii.ts';
import type { Logger } from '../platform/logger.ts';
import { keyringVersion, readKeyring, signingKeysAt, type KeyRecord, type SigningKeys } from './keys.ts';

/** How often a node looks for a rotation: well inside PUBLISH_BEFORE_SIGNING_MS (keys.ts). */
const KEY_RELOAD_MS = 60 * 1000;

export interface KeyReloader {
  /**
   * Re-reads the keyring when its version changed, and re-applies the key states at `now` (a
   * retired key leaves the JWKS when its window ends, without a rotation). Runs every minute; tests
   * call it with a clock set ahead.
   */
  refresh(now?: Date): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Keeps one node's provider and local verifier on the shared keyring (issue 7, R24): the keys are
 * swapped in place in the running provider (its keystore and JWKS), no restart and no new Provider
 * instance, so sessions, routes and listeners stay as they are.
 */
export function watchSigningKeys(
  deps: { sequelize: Sequelize; pii: PiiCipher; logger: Logger; provider: Provider },
  initial: { version: number; records: KeyRecord[]; now: Date },
  install: (keys: SigningKeys) => void,
): KeyReloader {
  let { version, records } = initial;
  let published = signingKeysAt(records, initial.now).privateJwks.keys.map((k) => `${k.kid}:${k.key_ops ?? ''}`).join();
  let running: Promise<void> | undefined;

  const apply = async (now: Date) => {
    const seen = await keyringVersion(deps.sequelize);
    if (seen !== version) ({ version, records } = await readKeyring(deps.sequelize, deps.pii, now));
    const keys = signingKeysAt(records, now);
    const fingerprint = keys.privateJwks.keys.map((k) => `${k.kid}:${k.key_ops ?? ''}`).join();
    if (fingerprint === published) return;
    initializeKeystore.call(deps.provider, keys.privateJwks);
    install(keys);
    published = fingerprint;
    deps.logger.info({ version, kids: keys.publicJwks.keys.map((k) => k.kid) }, 'signing keys reloaded');
  };
  const refresh = (now = new Date()) => {
    running ??= apply(now).finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    refresh().catch((err: unknown) => deps.logger.warn({ err }, 'signing key reload failed; retrying at the next run'));
  }, KEY_RELOAD_MS);
  timer.unref();
  return {
    refresh,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
