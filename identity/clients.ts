import Provider, { type Adapter, type AdapterPayload, type Client, type ClientMetadata } from 'oidc-provider';
import type { PiiCipher } from '../platform/crypto/pii.ts';
import type { IdentityReads } from '../directory/identity-reads.ts';
import type { Client as ClientRow } from '../directory/models/index.ts';

/** Client metadata Tongmen adds to the standard ones (registered as extraClientMetadata). */
export const EXTRA_CLIENT_METADATA = ['tongmen_kind', 'tongmen_resources', 'tongmen_introspect'] as const;

/**
 * Issue 11: a client's secret opened once per row read — the live view hands out the same row object
 * until the client changes (then a new row, opened again), so a partner authenticating on every
 * request does not pay an AES-GCM decryption each time. Held only as long as the row itself.
 */
const openedSecrets = new WeakMap<ClientRow, { sealed: string; secret: string }>();
function openedSecret(row: ClientRow, sealed: string, pii: PiiCipher): string {
  const opened = openedSecrets.get(row);
  if (opened?.sealed === sealed) return opened.secret;
  const secret = pii.decrypt(sealed);
  openedSecrets.set(row, { sealed, secret });
  return secret;
}

/**
 * oidc-provider metadata of a stored client. `secretMethod` is how a confidential client sends its
 * secret: RFC 6749 §2.3.1 allows HTTP Basic or the form body, and relying-party libraries differ in
 * their default (openid-client posts, many others use Basic), so Tongmen accepts either — same
 * secret, same strength — by registering the method the current request uses.
 */
export function clientMetadata(
  row: ClientRow,
  pii: PiiCipher,
  secretMethod: 'client_secret_basic' | 'client_secret_post' = 'client_secret_basic',
): ClientMetadata {
  const secret = row.secretEnc ? openedSecret(row, row.secretEnc, pii) : undefined;
  const interactive = row.grantTypes.includes('authorization_code');
  return {
    client_id: row.clientId,
    client_name: row.name,
    ...(secret ? { client_secret: secret, token_endpoint_auth_method: secretMethod } : { token_endpoint_auth_method: 'none' }),
    grant_types: row.grantTypes,
    response_types: interactive ? ['code'] : [],
    redirect_uris: row.redirectUris,
    post_logout_redirect_uris: row.postLogoutRedirectUris,
    ...(row.backchannelLogoutUri
      ? { backchannel_logout_uri: row.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
    tongmen_kind: row.kind,
    tongmen_resources: row.resources,
    tongmen_introspect: row.canIntrospect,
  };
}

/**
 * The provider's "Client" storage, read through the directory's client repository on every lookup
 * (a primary-key read): a client disabled or re-keyed through the admin API takes effect on every node at once.
 * Clients are managed by the admin API, never through the provider, so writes are refused.
 */
export class ClientAdapter implements Adapter {
  constructor(
    private readonly clients: Pick<IdentityReads['clients'], 'findActive'>,
    private readonly pii: PiiCipher,
    /** Clients built into the provider (the person's own page), found before the table. */
    private readonly builtIn: readonly ClientMetadata[] = [],
  ) {}

  async find(id: string): Promise<AdapterPayload | undefined> {
    const own = this.builtIn.find((c) => c.client_id === id);
    if (own) return { ...own };
    const row = await this.clients.findActive(undefined, id);
    if (!row) return undefined;
    // The request being served (oidc-provider keeps it in async-local storage).
    const usesBasic = Provider.ctx?.get('authorization').toLowerCase().startsWith('basic ') ?? true;
    return clientMetadata(row, this.pii, usesBasic ? 'client_secret_basic' : 'client_secret_post');
  }

  private refuse(): never {
    throw new Error('clients are managed through the admin API');
  }

  async upsert(): Promise<void> {
    this.refuse();
  }
  async destroy(): Promise<void> {
    this.refuse();
  }
  async findByUid() {
    return undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}

/** Tongmen's view of a provider client. */
export const isFirstParty = (client: Client) => client['tongmen_kind'] === 'first-party';
export const clientResources = (client: Client): string[] => {
  const r = client['tongmen_resources'];
  return Array.isArray(r) ? r.filter((x): x is string => typeof x === 'string') : [];
};
export const clientMayIntrospect = (client: Client) => client['tongmen_introspect'] === true;
