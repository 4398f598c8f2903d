import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import { conflict, forbidden, notFound } from '../../platform/errors.ts';
import type { PiiCipher } from '../../platform/crypto/pii.ts';
import type { Database } from '../../platform/db/database.ts';
import type { AccountEnding } from '../accounts/account-ending.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize } from '../authz/policy.ts';
import type { Client } from '../models/index.ts';
import type { ClientRepository } from './client-repository.ts';
import { parsePartnerResources } from './partner-resources.ts';

/** Grant types a partner app may hold: machine-to-machine only (it has no redirect URIs). */
export const PARTNER_GRANT_TYPES = ['client_credentials'] as const;

const clientView = (c: Client) => ({
  clientId: c.clientId,
  name: c.name,
  kind: c.kind,
  ownerUnitId: c.ownerUnitId,
  grantTypes: c.grantTypes,
  redirectUris: c.redirectUris,
  resources: c.resources,
  canIntrospect: c.canIntrospect,
  confidential: c.secretEnc !== null,
  status: c.status,
  createdAt: new Date(c.createdAt).toISOString(),
  updatedAt: new Date(c.updatedAt).toISOString(),
});

const newSecret = () => crypto.randomBytes(32).toString('base64url');

/**
 * Partner apps (SPEC §5): registered by province administrators, authenticated with a generated
 * secret that is shown once and kept encrypted (the provider decrypts it on lookup).
 */
export class ClientService {
  constructor(
    private readonly deps: { db: Database; audit: AuditService; pii: PiiCipher; clients: ClientRepository; ending: AccountEnding },
  ) {}

  async register(
    actor: Actor,
    input: { name: string; resources: string[]; introspection: boolean; grantTypes?: string[] | undefined },
    meta: RequestMeta,
  ) {
    authorize(actor, 'client.manage');
    const resources = parsePartnerResources(input.resources);
    const grantTypes = [...new Set(input.grantTypes ?? PARTNER_GRANT_TYPES)];
    const clientId = `partner-${crypto.randomBytes(8).toString('hex')}`;
    const clientSecret = newSecret();
    return this.deps.db.transaction(async (tx) => {
      const client = await this.deps.clients.create(tx, {
        clientId,
        name: input.name,
        ownerUnitId: actor.unitId,
        secretEnc: this.deps.pii.encrypt(clientSecret),
        grantTypes,
        resources,
        canIntrospect: input.introspection,
      });
      await this.audit(tx, actor, 'client.register', clientId, { name: input.name, resources, grantTypes, canIntrospect: input.introspection }, meta);
      return { clientId, clientSecret, client: clientView(client) };
    });
  }

  async list(actor: Actor, f: { kind?: 'first-party' | 'partner' | undefined }) {
    authorize(actor, 'client.read');
    return { items: (await this.deps.clients.list(undefined, f)).map(clientView) };
  }

  async get(actor: Actor, clientId: string) {
    authorize(actor, 'client.read');
    const client = await this.deps.clients.find(undefined, clientId);
    if (!client) throw notFound('client.not_found', 'Client not found');
    return clientView(client);
  }

  /** A new secret, shown once; the old one stops working at once on every node. */
  async rotateSecret(actor: Actor, clientId: string, meta: RequestMeta) {
    authorize(actor, 'client.manage');
    return this.deps.db.transaction(async (tx) => {
      const client = await this.locked(tx, clientId);
      if (client.secretEnc === null) throw conflict('client.public', 'A public client has no secret');
      if (client.status !== 'active') throw conflict('client.disabled', 'The client is disabled');
      const clientSecret = newSecret();
      await this.deps.clients.update(tx, clientId, { secretEnc: this.deps.pii.encrypt(clientSecret) });
      await this.audit(tx, actor, 'client.rotate-secret', clientId, {}, meta);
      return { clientId, clientSecret };
    });
  }

  /** Disables a partner app and ends its tokens. First-party clients are the platform itself. */
  async disable(actor: Actor, clientId: string, meta: RequestMeta) {
    authorize(actor, 'client.manage');
    return this.deps.db.transaction(async (tx) => {
      const client = await this.locked(tx, clientId);
      if (client.kind !== 'partner') throw forbidden('client.first_party', 'First-party clients cannot be disabled');
      if (client.status === 'disabled') throw conflict('client.disabled', 'The client is already disabled');
      await this.deps.clients.update(tx, clientId, { status: 'disabled' });
      await this.deps.ending.endClientTokens(tx, clientId);
      await this.audit(tx, actor, 'client.disable', clientId, {}, meta);
      return clientView((await this.deps.clients.find(tx, clientId))!);
    });
  }

  private async locked(tx: Transaction, clientId: string) {
    const client = await this.deps.clients.findForUpdate(tx, clientId);
    if (!client) throw notFound('client.not_found', 'Client not found');
    return client;
  }

  private audit(tx: Transaction, actor: Actor, action: string, clientId: string, details: Record<string, unknown>, meta: RequestMeta) {
    return this.deps.audit.record(tx, { actor, action, target: { type: 'client', id: clientId }, unitId: actor.unitId, details, meta });
  }
}
