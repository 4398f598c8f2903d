import { SUBSYSTEMS, type Subsystem } from '../../platform/config.ts';
import { RESOURCES, SUBSYSTEM_NAMES } from '../catalogue/modules.ts';

export interface FirstPartyClient {
  clientId: string;
  name: string;
  /** Public clients (the console) use PKCE without a secret. */
  public: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  resources: string[];
  grantTypes: string[];
}

/**
 * SPEC §5 — the first-party clients bootstrap creates: the admin console (public, redirect
 * `${issuer}/console/callback`) and one confidential client per subsystem, whose redirect URI is
 * `${subsystemUrl}/callback` and whose back-channel logout URI is `${subsystemUrl}/backchannel-logout`.
 */
export function firstPartyClients(issuer: string, subsystemUrls: Record<Subsystem, string>): FirstPartyClient[] {
  return [
    {
      clientId: 'admin-console',
      name: '统一门户管理控制台',
      public: true,
      redirectUris: [`${issuer}/console/callback`],
      postLogoutRedirectUris: [`${issuer}/console/`],
      backchannelLogoutUri: null,
      resources: [RESOURCES.admin],
      grantTypes: ['authorization_code', 'refresh_token'],
    },
    ...SUBSYSTEMS.map((s) => ({
      clientId: s,
      name: SUBSYSTEM_NAMES[s],
      public: false,
      redirectUris: [`${subsystemUrls[s]}/callback`],
      postLogoutRedirectUris: [`${subsystemUrls[s]}/`],
      backchannelLogoutUri: `${subsystemUrls[s]}/backchannel-logout`,
      resources: [RESOURCES[s]],
      grantTypes: ['authorization_code', 'refresh_token'],
    })),
  ];
}
