import type { Sequelize } from 'sequelize';
import Provider, { type Adapter, type AdapterPayload, type Client, type ClientMetadata } from 'oidc-provider';
import type { PiiCipher } from '../platform/crypto/pii.ts';

/** Client metadata Tongmen adds to the standard ones (registered as extraClientMetadata). */
export const EXTRA_CLIENT_METADATA = ['tongmen_kind', 'tongmen_resources', 'tongmen_introspect'] as const;

interface ClientDbRow {
  client_id: string;
  name: string;
  kind: 'first-party' | 'partner';
  secret_enc: string | null;
  grant_types: string[];
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  backchannel_logout_uri: string | null;
  resources: string[];
  can_introspect: boolean;
}

/**
 * oidc-provider metadata of a stored client. `secretMethod` is how a confidential client sends its
 * secret: RFC 6749 §2.3.1 allows HTTP Basic or the form body, and relying-party libraries differ in
 * their default (openid-client posts, many others use Basic), so Tongmen accepts either — same
 * secret, same strength — by registering the method the current request uses.
 */
export function clientMetadata(
  row: ClientDbRow,
  pii: PiiCipher,
  secretMethod: 'client_secret_basic' | 'client_secret_post' = 'client_secret_basic',
): ClientMetadata {
  const secret = row.secret_enc ? pii.decrypt(row.secret_enc) : undefined;
  const interactive = row.grant_types.includes('authorization_code');
  return {
    client_id: row.client_id,
    client_name: row.name,
    ...(secret ? { client_secret: secret, token_endpoint_auth_method: secretMethod } : { token_endpoint_auth_method: 'none' }),
    grant_types: row.grant_types,
    response_types: interactive ? ['code'] : [],
    redirect_uris: row.redirect_uris,
    post_logout_redirect_uris: row.post_logout_redirect_uris,
    ...(row.backchannel_logout_uri
      ? { backchannel_logout_uri: row.backchannel_logout_uri, backchannel_logout_session_required: true }
      : {}),
    tongmen_kind: row.kind,
    tongmen_resources: row.resources,
    tongmen_introspect: row.can_introspect,
  };
}

const CLIENT_COLUMNS = `client_id, name, kind, secret_enc, grant_types, redirect_uris, post_logout_redirect_uris,
  backchannel_logout_uri, resources, can_introspect`;

/** An active client's row (a disabled client does not exist for the provider). */
export async function findClientRow(sequelize: Sequelize, clientId: string): Promise<ClientDbRow | undefined> {
  const [rows] = await sequelize.query(
    `SELECT ${CLIENT_COLUMNS} FROM clients WHERE client_id = :clientId AND status = 'active'`,
    { replacements: { clientId } },
  );
  return (rows as ClientDbRow[])[0];
}

/**
 * The provider's "Client" storage, read from the `clients` table on every lookup (a primary-key
 * read): a client disabled or re-keyed through the admin API takes effect on every node at once.
 * Clients are managed by the admin API, never through the provider, so writes are refused.
 */
export class ClientAdapter implements Adapter {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly pii: PiiCipher,
  ) {}

  async find(id: string): Promise<AdapterPayload | undefined> {
    const row = await findClientRow(this.sequelize, id);
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
