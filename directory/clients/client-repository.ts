import type { Sequelize, Transaction } from 'sequelize';
import { ClientModel } from '../models/index.ts';

/** Token artifacts a client holds at the provider (oidc-provider models stored in `oidc_payloads`). */
const CLIENT_ARTIFACTS = ['AccessToken', 'ClientCredentials', 'RefreshToken', 'AuthorizationCode', 'Grant'];

/** Relying parties and partner apps (the provider reads the same table on every lookup). */
export class ClientRepository {
  constructor(private readonly sequelize: Sequelize) {}

  list(tx: Transaction | undefined, f: { kind?: 'first-party' | 'partner' | undefined }) {
    return ClientModel.findAll({ where: f.kind ? { kind: f.kind } : {}, order: [['createdAt', 'ASC'], ['clientId', 'ASC']], transaction: tx });
  }

  find(tx: Transaction | undefined, clientId: string) {
    return ClientModel.findByPk(clientId, { transaction: tx });
  }

  findForUpdate(tx: Transaction, clientId: string) {
    return ClientModel.findByPk(clientId, { transaction: tx, lock: tx.LOCK.UPDATE });
  }

  create(tx: Transaction, c: { clientId: string; name: string; ownerUnitId: string; secretEnc: string; grantTypes: string[]; resources: string[]; canIntrospect: boolean }) {
    return ClientModel.create({ ...c, kind: 'partner' }, { transaction: tx });
  }

  async update(tx: Transaction, clientId: string, changes: { secretEnc?: string; status?: 'active' | 'disabled' }) {
    await ClientModel.update({ ...changes, updatedAt: new Date() }, { where: { clientId }, transaction: tx });
  }

  /**
   * Ends every token a disabled client holds: the provider stops finding the client at once, but
   * its opaque tokens would otherwise still introspect as active until they expire.
   */
  async endArtifacts(tx: Transaction, clientId: string): Promise<void> {
    await this.sequelize.query(
      `DELETE FROM oidc_payloads WHERE model IN (:models) AND payload->>'clientId' = :clientId`,
      { replacements: { models: CLIENT_ARTIFACTS, clientId }, transaction: tx },
    );
  }
}
