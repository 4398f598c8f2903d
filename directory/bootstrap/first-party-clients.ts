import crypto from 'node:crypto';
import type { Subsystem } from '../../platform/config.ts';
import type { PiiCipher } from '../../platform/crypto/pii.ts';
import { RESOURCES, SUBSYSTEMS, SUBSYSTEM_NAMES } from '../catalogue/modules.ts';

/** One row of the `clients` table as bootstrap writes it; `clientSecret` is plain and shown once. */
export interface ClientRecord {
  clientId: string;
  name: string;
  kind: 'first-party' | 'partner';
  clientSecret: string | null;
  grantTypes: string[];
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  resources: string[];
  canIntrospect: boolean;
}

export const generateClientSecret = () => crypto.randomBytes(32).toString('base64url');

/**
 * The first-party clients (SPEC §5) that bootstrap inserts: the admin console (public, PKCE) and
 * one confidential client per subsystem whose only resource is its own. Subsystem URIs:
 * `${url}/callback`, post-logout `${url}/`, back-channel logout `${url}/backchannel-logout`.
 * Secrets are generated here; store them with {@link toClientRow} (encrypted) and print them once.
 */
export function firstPartyClientRecords(issuer: string, subsystemUrls: Record<Subsystem, string>): ClientRecord[] {
  const base = issuer.replace(/\/$/, '');
  const console: ClientRecord = {
    clientId: 'admin-console',
    name: '统门管理控制台',
    kind: 'first-party',
    clientSecret: null,
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [`${base}/console/callback`],
    postLogoutRedirectUris: [`${base}/console/`],
    backchannelLogoutUri: null,
    resources: [RESOURCES.admin],
    canIntrospect: false,
  };
  const subsystems = SUBSYSTEMS.map((s): ClientRecord => {
    const url = subsystemUrls[s].replace(/\/$/, '');
    return {
      clientId: s,
      name: SUBSYSTEM_NAMES[s],
      kind: 'first-party',
      clientSecret: generateClientSecret(),
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [`${url}/callback`],
      postLogoutRedirectUris: [`${url}/`],
      backchannelLogoutUri: `${url}/backchannel-logout`,
      resources: [RESOURCES[s]],
      canIntrospect: true,
    };
  });
  return [console, ...subsystems];
}

/** Attributes for `ClientModel.create` (the secret encrypted at rest). */
export function toClientRow(record: ClientRecord, pii: PiiCipher) {
  const { clientSecret, ...rest } = record;
  return { ...rest, ownerUnitId: null, secretEnc: clientSecret ? pii.encrypt(clientSecret) : null };
}
