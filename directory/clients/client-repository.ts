import type { CreationAttributes, Transaction } from 'sequelize';
import { ClientModel, dbNow, plain, type Client } from '../models/index.ts';

/** Relying parties and partner apps: the one owner of the `clients` table (the provider reads it through `findActive`). */
export class ClientRepository {
  async list(tx: Transaction | undefined, f: { kind?: 'first-party' | 'partner' | undefined }): Promise<Client[]> {
    const rows = await ClientModel.findAll({ where: f.kind ? { kind: f.kind } : {}, order: [['createdAt', 'ASC'], ['clientId', 'ASC']], transaction: tx });
    return rows.map((c) => plain(c)!);
  }

  async find(tx: Transaction | undefined, clientId: string): Promise<Client | null> {
    return plain(await ClientModel.findByPk(clientId, { transaction: tx }));
  }

  /** An active client (a disabled client does not exist for the provider): read on every provider lookup. */
  async findActive(tx: Transaction | undefined, clientId: string): Promise<Client | null> {
    return plain(await ClientModel.findOne({ where: { clientId, status: 'active' }, transaction: tx }));
  }

  /** Whether `url` is the back-channel logout URI of an active first-party client (bootstrap registers those). */
  async isFirstPartyBackchannelUri(url: string): Promise<boolean> {
    return (await ClientModel.count({ where: { kind: 'first-party', status: 'active', backchannelLogoutUri: url } })) > 0;
  }

  async findForUpdate(tx: Transaction, clientId: string): Promise<Client | null> {
    return plain(await ClientModel.findByPk(clientId, { transaction: tx, lock: tx.LOCK.UPDATE }));
  }

  /** A partner app (SPEC §5). */
  async create(tx: Transaction, c: { clientId: string; name: string; ownerUnitId: string; secretEnc: string; grantTypes: string[]; resources: string[]; canIntrospect: boolean }): Promise<Client> {
    return plain(await ClientModel.create({ ...c, kind: 'partner' }, { transaction: tx }))!;
  }

  /** A first-party client at bootstrap (R5), its secret already encrypted. */
  async createFirstParty(tx: Transaction, c: CreationAttributes<ClientModel>): Promise<void> {
    await ClientModel.create(c, { transaction: tx });
  }

  async update(tx: Transaction, clientId: string, changes: { secretEnc?: string; status?: 'active' | 'disabled' }) {
    await ClientModel.update({ ...changes, updatedAt: dbNow() }, { where: { clientId }, transaction: tx });
  }
}
