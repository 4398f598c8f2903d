import {
  DataTypes,
  Model,
  literal,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

export type UnitKind = 'hrss' | 'competent' | 'employer';
export type UnitLevel = 'province' | 'city' | 'county';
/** Issue 8 — what kind of employer: 事业单位 (public institution), 企业 (enterprise), 社会组织 (social organisation). */
export const UNIT_CATEGORIES = ['institution', 'enterprise', 'social-organization'] as const;
export type UnitCategory = (typeof UNIT_CATEGORIES)[number];
export type AccountKind = 'unit' | 'admin' | 'operator';
export type AccountStatus = 'active' | 'disabled' | 'offboarded';

export class UnitModel extends Model<InferAttributes<UnitModel>, InferCreationAttributes<UnitModel>> {
  declare id: CreationOptional<string>;
  declare kind: UnitKind;
  declare level: UnitLevel | null;
  declare category: CreationOptional<UnitCategory | null>;
  declare name: string;
  declare uscc: string;
  declare derived: CreationOptional<boolean>;
  declare usccOverride: CreationOptional<boolean>;
  declare nextDerivedSerial: CreationOptional<number>;
  declare adminDivision: string | null;
  declare responsibilities: CreationOptional<string>;
  declare createdByUnitId: string | null;
  declare parentUnitId: CreationOptional<string | null>;
  declare affiliation: CreationOptional<'unconfirmed' | 'confirmed'>;
  declare path: string[];
  declare status: CreationOptional<'active' | 'disabled'>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class PersonModel extends Model<InferAttributes<PersonModel>, InferCreationAttributes<PersonModel>> {
  declare id: CreationOptional<string>;
  declare name: string;
  declare idNumberEnc: string;
  declare idNumberHash: string;
  declare idNumberMasked: string;
  declare phoneEnc: string;
  declare phoneHash: string;
  declare phoneMasked: string;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class AccountModel extends Model<InferAttributes<AccountModel>, InferCreationAttributes<AccountModel>> {
  declare id: CreationOptional<string>;
  declare kind: AccountKind;
  declare unitId: string;
  declare unitKind: UnitKind;
  declare personId: string | null;
  declare username: string | null;
  declare status: CreationOptional<AccountStatus>;
  declare scope: string[] | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare endedAt: CreationOptional<Date | null>;
}

export class CredentialModel extends Model<InferAttributes<CredentialModel>, InferCreationAttributes<CredentialModel>> {
  declare id: CreationOptional<string>;
  declare personId: string | null;
  declare accountId: string | null;
  declare hash: string;
  declare failedCount: CreationOptional<number>;
  declare lockedAt: CreationOptional<Date | null>;
  declare mustChange: CreationOptional<boolean>;
  declare changedAt: CreationOptional<Date>;
  declare history: CreationOptional<string[]>;
}

export class RoleModel extends Model<InferAttributes<RoleModel>, InferCreationAttributes<RoleModel>> {
  declare id: CreationOptional<string>;
  declare code: string;
  declare name: string;
  declare subsystem: string;
  declare modules: string[];
  declare ownerUnitId: string | null;
  declare status: CreationOptional<'active' | 'disabled'>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class AccountRoleModel extends Model<InferAttributes<AccountRoleModel>, InferCreationAttributes<AccountRoleModel>> {
  declare accountId: string;
  declare roleId: string;
  declare grantedBy: string | null;
  declare grantedAt: CreationOptional<Date>;
}

export class AffiliationRequestModel extends Model<
  InferAttributes<AffiliationRequestModel>,
  InferCreationAttributes<AffiliationRequestModel>
> {
  declare id: CreationOptional<string>;
  declare unitId: string;
  declare targetUnitId: string;
  declare status: CreationOptional<'pending' | 'approved' | 'rejected'>;
  declare requestedBy: string;
  declare decidedBy: CreationOptional<string | null>;
  declare reason: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare decidedAt: CreationOptional<Date | null>;
}

export interface RoleChangeHistoryEntry {
  at: string;
  unitId: string;
  accountId: string;
  action: 'submitted' | 'forwarded' | 'answered' | 'accepted' | 'rejected';
  note?: string;
}

export class RoleChangeRequestModel extends Model<
  InferAttributes<RoleChangeRequestModel>,
  InferCreationAttributes<RoleChangeRequestModel>
> {
  declare id: CreationOptional<string>;
  declare fromUnitId: string;
  declare roleId: string | null;
  declare proposal: Record<string, unknown>;
  declare status: CreationOptional<'pending' | 'accepted' | 'rejected' | 'answered'>;
  declare currentReviewerUnitId: string | null;
  declare history: CreationOptional<RoleChangeHistoryEntry[]>;
  declare createdBy: string;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class ClientModel extends Model<InferAttributes<ClientModel>, InferCreationAttributes<ClientModel>> {
  declare clientId: string;
  declare name: string;
  declare kind: 'first-party' | 'partner';
  declare ownerUnitId: string | null;
  declare secretEnc: string | null;
  declare grantTypes: string[];
  declare redirectUris: CreationOptional<string[]>;
  declare postLogoutRedirectUris: CreationOptional<string[]>;
  declare backchannelLogoutUri: CreationOptional<string | null>;
  declare resources: CreationOptional<string[]>;
  declare canIntrospect: CreationOptional<boolean>;
  declare status: CreationOptional<'active' | 'disabled'>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

const { UUID, TEXT, BOOLEAN, INTEGER, DATE, ARRAY, JSONB } = DataTypes;
// Sequelize writes into attribute definitions (field names…), so each attribute gets its own object.
const uuidKey = () => ({ type: UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 });
// No default here: an insert leaves the stamps to the database's clock (migration 0004), and
// Sequelize reads them back with RETURNING. One clock, so page cursors over created_at are exact.
const stamps = () => ({ createdAt: DATE, updatedAt: DATE });
const texts = () => ({ type: ARRAY(TEXT) });

/** Binds the models to one Sequelize instance (the schema itself is owned by the migrations). */
export function initModels(sequelize: Sequelize) {
  const opts = (tableName: string) => ({ sequelize, tableName, underscored: true, timestamps: false });
  UnitModel.init(
    {
      id: uuidKey(), kind: TEXT, level: TEXT, category: TEXT, name: TEXT, uscc: TEXT, derived: BOOLEAN, usccOverride: BOOLEAN,
      nextDerivedSerial: INTEGER, adminDivision: TEXT, responsibilities: TEXT, createdByUnitId: UUID,
      parentUnitId: UUID, affiliation: TEXT, path: ARRAY(UUID), status: TEXT, ...stamps(),
    },
    opts('units'),
  );
  PersonModel.init(
    {
      id: uuidKey(), name: TEXT, idNumberEnc: TEXT, idNumberHash: TEXT, idNumberMasked: TEXT, phoneEnc: TEXT, phoneHash: TEXT,
      phoneMasked: TEXT, ...stamps(),
    },
    opts('persons'),
  );
  AccountModel.init(
    {
      id: uuidKey(), kind: TEXT, unitId: UUID, unitKind: TEXT, personId: UUID, username: TEXT, status: TEXT, scope: texts(),
      ...stamps(), endedAt: DATE,
    },
    opts('accounts'),
  );
  CredentialModel.init(
    {
      id: uuidKey(), personId: UUID, accountId: UUID, hash: TEXT, failedCount: INTEGER, lockedAt: DATE, mustChange: BOOLEAN,
      changedAt: DATE, history: texts(),
    },
    opts('credentials'),
  );
  RoleModel.init(
    { id: uuidKey(), code: TEXT, name: TEXT, subsystem: TEXT, modules: texts(), ownerUnitId: UUID, status: TEXT, ...stamps() },
    opts('roles'),
  );
  AccountRoleModel.init(
    {
      accountId: { type: UUID, primaryKey: true },
      roleId: { type: UUID, primaryKey: true },
      grantedBy: UUID,
      grantedAt: DATE,
    },
    opts('account_roles'),
  );
  AffiliationRequestModel.init(
    {
      id: uuidKey(), unitId: UUID, targetUnitId: UUID, status: TEXT, requestedBy: UUID, decidedBy: UUID, reason: TEXT,
      createdAt: DATE, decidedAt: DATE,
    },
    opts('affiliation_requests'),
  );
  RoleChangeRequestModel.init(
    {
      id: uuidKey(), fromUnitId: UUID, roleId: UUID, proposal: JSONB, status: TEXT, currentReviewerUnitId: UUID,
      history: JSONB, createdBy: UUID, ...stamps(),
    },
    opts('role_change_requests'),
  );
  ClientModel.init(
    {
      clientId: { type: TEXT, primaryKey: true }, name: TEXT, kind: TEXT, ownerUnitId: UUID, secretEnc: TEXT,
      grantTypes: texts(), redirectUris: texts(), postLogoutRedirectUris: texts(), backchannelLogoutUri: TEXT,
      resources: texts(), canIntrospect: BOOLEAN, status: TEXT, ...stamps(),
    },
    opts('clients'),
  );
}

/** Plain rows as repositories return them: data, not Sequelize instances a service could mutate or save. */
export type Unit = InferAttributes<UnitModel>;
export type Person = InferAttributes<PersonModel>;
export type Account = InferAttributes<AccountModel>;
export type Role = InferAttributes<RoleModel>;
export type AffiliationRequest = InferAttributes<AffiliationRequestModel>;
export type RoleChangeRequest = InferAttributes<RoleChangeRequestModel>;
export type Client = InferAttributes<ClientModel>;

/** The plain row of a model instance (repositories only). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const plain = <T extends object>(m: Model<T, any> | null): T | null => (m ? m.get({ plain: true }) : null);

/** The database's clock (migration 0004): the one source of row stamps, in SQL and through Sequelize. */
export const dbNow = () => literal('clock_timestamp()');
