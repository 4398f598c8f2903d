import type { Config } from '../platform/config.ts';
import type { PiiCipher } from '../platform/crypto/pii.ts';
import type { Database } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import { createSmsGateway } from '../platform/sms/create-gateway.ts';
import { MemorySmsOutbox } from '../platform/sms/memory-outbox.ts';
import { CredentialService } from './credentials/credential-service.ts';
import { CredentialRepository } from './credentials/credential-repository.ts';
import { QrTicketRepository } from './credentials/qr-ticket-repository.ts';
import { QrTicketService } from './credentials/qr-ticket-service.ts';
import { ThrottleRepository } from './credentials/throttle-repository.ts';
import { SmsCodeRepository } from './credentials/sms-code-repository.ts';
import { SmsCodeService } from './credentials/sms-code-service.ts';
import { SecondFactorRepository } from './credentials/second-factor-repository.ts';
import { SecondFactorService } from './credentials/second-factor-service.ts';
import { SecondFactorSmsCodes } from './credentials/second-factor-sms.ts';
import { AccountEnding } from './accounts/account-ending.ts';
import { AccountFactory } from './accounts/account-factory.ts';
import { AccountRepository } from './accounts/account-repository.ts';
import { AccountService } from './accounts/account-service.ts';
import { AdministratorService } from './accounts/administrator-service.ts';
import { MigrationRepository } from './accounts/migration-repository.ts';
import { MigrationService } from './accounts/migration-service.ts';
import { AccountPowerGuard } from './authz/account-power-guard.ts';
import { ActorLoader } from './authz/actor-loader.ts';
import { AffiliationRepository } from './affiliation/affiliation-repository.ts';
import { AffiliationService } from './affiliation/affiliation-service.ts';
import { AuditQuery } from './audit/audit-query.ts';
import { AuditRepository } from './audit/audit-repository.ts';
import { AuditService } from './audit/audit-service.ts';
import { startAuditUpkeep } from './audit/audit-upkeep.ts';
import { BootstrapService } from './bootstrap/bootstrap.ts';
import { ClientRepository } from './clients/client-repository.ts';
import { ClientService } from './clients/client-service.ts';
import { PersonGate } from './persons/person-gate.ts';
import { PersonRepository } from './persons/person-repository.ts';
import { PiiRotation } from './pii/pii-rotation.ts';
import { PiiRotationRepository } from './pii/pii-rotation-repository.ts';
import { RoleChangeRepository } from './roles/role-change-repository.ts';
import { RoleChangeService } from './roles/role-change-service.ts';
import { RoleGrantService } from './roles/role-grants.ts';
import { RoleRepository } from './roles/role-repository.ts';
import { RoleService } from './roles/role-service.ts';
import { SelfService } from './self/self-service.ts';
import { SignInRecorder } from './self/sign-in-recorder.ts';
import type { IdentityReads } from './identity-reads.ts';
import type { SessionEnder } from './session-ender.ts';
import { UnitRepository } from './units/unit-repository.ts';
import { UnitService } from './units/unit-service.ts';
import { UpperUnitLookup } from './units/upper-unit-lookup.ts';
import { UnitCodeService } from './units/unit-code-service.ts';
import { InboxService } from './inbox/inbox-service.ts';
import { BulkAccountActions } from './accounts/bulk-actions.ts';
import { CleanupRepository } from './cleanup/cleanup-repository.ts';
import { CleanupService } from './cleanup/cleanup-service.ts';
import { SubsystemUsageRecorder } from './cleanup/subsystem-usage.ts';
import { SubsystemUsageRepository } from './cleanup/subsystem-usage-repository.ts';
import { ImportJobRepository } from './imports/import-job-repository.ts';
import { ImportJobs } from './imports/import-jobs.ts';
import { ImportService } from './imports/import-service.ts';
import { ProvinceSeeder } from './seed/province-seeder.ts';

/** What the directory is built from: the platform pieces, nothing from the layers above. */
export interface DirectoryDeps {
  config: Config;
  logger: Logger;
  db: Database;
  pii: PiiCipher;
  /** R22 — the e-SSC card app's public key (PEM): ESSC_PUBLIC_KEY or the development key; none = QR sign-in off. */
  esscPublicKey?: string | undefined;
}

/**
 * The directory: repositories own the SQL of their tables, services hold the rules and are the only
 * thing the layers above (identity, admin API, CLI) call. Built once per process by the composition
 * root; every object gets what it uses by name.
 */
export function createDirectory({ config, logger, db, pii, esscPublicKey }: DirectoryDeps) {
  const sequelize = db.sequelize;
  // Repositories: one per table (or group of tables one rule owns), each with all of their SQL.
  const unitRepo = new UnitRepository({ sequelize });
  const auditEvents = new AuditRepository({ sequelize });
  const audit = new AuditService({ events: auditEvents, units: unitRepo });
  const accountRepo = new AccountRepository({ sequelize });
  const persons = new PersonRepository({ pii });
  const credentialRepo = new CredentialRepository({ sequelize, pii });
  const throttles = new ThrottleRepository({ sequelize });
  const roleRepo = new RoleRepository({ sequelize });
  const clientRepo = new ClientRepository();

  const credentials = new CredentialService({ config, db, pii, audit, credentials: credentialRepo, throttles });
  // R21: the console gateway's outbox is what the development endpoint reads (SPEC §5).
  const smsOutbox = config.sms.provider === 'console' ? new MemorySmsOutbox() : undefined;
  const gateway = createSmsGateway(config, { logger, outbox: smsOutbox });
  const smsCodeRepo = new SmsCodeRepository({ sequelize });
  const smsCodes = new SmsCodeService({ config, db, pii, audit, codes: smsCodeRepo, credentials: credentialRepo, throttles, gateway });
  // R23: enrolments hang off the person; verification shares the throttle table with the password's limits.
  const secondFactors = new SecondFactorService({ db, pii, audit, factors: new SecondFactorRepository({ sequelize, pii }), throttles });
  // R22: the QR tickets' rules need the audit trail and the person lookup, so they live here.
  const qrTickets = new QrTicketService({
    db,
    audit,
    tickets: new QrTicketRepository({ sequelize }),
    persons,
    credentials: credentialRepo,
    publicKeyPem: esscPublicKey,
  });
  const factory = new AccountFactory({ credentials, persons, accounts: accountRepo });
  const ending = new AccountEnding({ accounts: accountRepo });
  const roles = new RoleService({ db, audit, roles: roleRepo });
  // Issue 5 items 1 and 4: one power rule for every action on an account, one answer about persons out of sight.
  const powers = new AccountPowerGuard({ accounts: accountRepo });
  const personGate = new PersonGate({ db, audit, accounts: accountRepo, throttles });
  const administrators = new AdministratorService({ db, audit, accounts: accountRepo, units: unitRepo, powers });
  // R17: the account service grants roles through this (PUT /accounts/{id}/roles, operator creation).
  const roleGrants = new RoleGrantService({ db, audit, roles: roleRepo, catalogue: roles, powers, units: unitRepo });
  const units = new UnitService({ db, audit, units: unitRepo, accounts: accountRepo, factory, ending, powers, personGate });
  const upperUnits = new UpperUnitLookup({ db, audit, units: unitRepo, throttles });
  const accounts = new AccountService({
    db,
    audit,
    accounts: accountRepo,
    units: unitRepo,
    persons,
    factory,
    credentials,
    ending,
    powers,
    personGate,
    administrators,
    roleGrants,
  });
  const affiliationRequests = new AffiliationRepository({ sequelize });
  const migrationRequests = new MigrationRepository({ sequelize });
  const roleChangeRequests = new RoleChangeRepository({ sequelize });
  const affiliation = new AffiliationService({ db, audit, units: unitRepo, requests: affiliationRequests });
  // Issue 8: which subsystems each account got tokens for, recorded by the provider (roles no member used).
  const subsystemUsage = new SubsystemUsageRecorder({ usage: new SubsystemUsageRepository({ sequelize }), logger });
  const identityReads: IdentityReads = { clients: clientRepo, accounts: accountRepo, throttles, smsCodes: smsCodeRepo, subsystemUsage };
  // Issue 8: the legacy import, through the same repositories, factory and R17 resolution as the API.
  const imports = new ImportService({
    db,
    audit,
    units: unitRepo,
    accounts: accountRepo,
    persons,
    factory,
    roles: roleRepo,
    roleGrants,
    prepareSecret: () => credentials.prepareUnusableSecret(),
  });
  const bootstrap = new BootstrapService({ config, db, audit, pii, factory, units: unitRepo, roles: roleRepo, clients: clientRepo });
  return {
    audit,
    credentials,
    /** SMS one-time codes: sign-in, second factor, phone change (R21). */
    smsCodes,
    /** The console gateway's outbox (development and tests only; undefined with a real gateway). */
    smsOutbox,
    /** R23 — TOTP enrolment, verification and removal (identity's sign-in steps and the person's own page). */
    secondFactors,
    /** Issue 12: `npm run pii:rotate` — values sealed under older PII keys sealed again under the current one. */
    piiRotation: new PiiRotation({ db, pii, audit, repo: new PiiRotationRepository({ sequelize }) }),
    /** R23 — an SMS code to the person's phone as the alternative second factor. */
    secondFactorSms: new SecondFactorSmsCodes({ smsCodes, persons }),
    /** QR sign-in tickets (R22), handed to identity as `IdentityDeps.qrTickets`. */
    qrTickets,
    /** Exposed for tests that stage a race between a person lookup and the insert (admin-bad-input). */
    persons,
    actors: new ActorLoader({ accounts: accountRepo }),
    units,
    /** Issue 8: the province-wide lookup of upper units (R13). */
    upperUnits,
    /** Issue 8: a temporary code replaced by the unit's own USCC (R1–R3). */
    unitCodes: new UnitCodeService({ db, audit, units: unitRepo, accounts: accountRepo }),
    accounts,
    administrators,
    migrations: new MigrationService({
      db,
      audit,
      accounts: accountRepo,
      units: unitRepo,
      requests: migrationRequests,
      ending,
      powers,
    }),
    roles,
    roleGrants,
    roleChanges: new RoleChangeService({ db, audit, requests: roleChangeRequests, roles: roleRepo, catalogue: roles }),
    /** Issue 8: the legacy import (`npm run import`) and its jobs in the server (`POST /imports`). */
    imports,
    importJobs: new ImportJobs({ imports, jobs: new ImportJobRepository({ sequelize }), logger }),
    /** Issue 8: what waits for the caller's unit (affiliation, migration, role change). */
    inbox: new InboxService({ affiliation: affiliationRequests, migrations: migrationRequests, roleChanges: roleChangeRequests }),
    /** Issue 8: the clean-up lists of a jurisdiction (accounts, roles, counts per unit). */
    cleanup: new CleanupService({ cleanup: new CleanupRepository({ sequelize }), units: unitRepo }),
    /** Issue 8: offboard, reset, grant or revoke a role on a selection, each account through its own action. */
    bulkAccounts: new BulkAccountActions({ accounts, roleGrants, logger }),
    clients: new ClientService({ db, audit, pii, clients: clientRepo, ending }),
    auditQuery: new AuditQuery({ db, audit, events: auditEvents, units: unitRepo, accounts: accountRepo }),
    affiliation,
    /** The person's own page (issue 7); the SMS code and second-factor services join it when they exist. */
    self: new SelfService({ db, audit, events: auditEvents, accounts: accountRepo, persons, credentials, ending, phoneCodes: smsCodes, secondFactors }),
    /** Each completed sign-in: the account's last sign-in and its audit event (issue 7). */
    signIns: new SignInRecorder({ db, audit, accounts: accountRepo }),
    /** The identity layer's reads of directory tables (by the composition root into `IdentityDeps`). */
    identityReads,
    bootstrap,
    /** Issue 11: a synthetic province for load tests (`npm run seed:province`), through the bulk paths. */
    provinceSeeder: new ProvinceSeeder({
      config,
      db,
      audit,
      bootstrap,
      units: unitRepo,
      accounts: accountRepo,
      persons,
      credentials,
      roles: roleRepo,
      loadActor: (accountId) => accountRepo.liveActor(undefined, accountId),
    }),
    /** Signed audit checkpoints and partitions ahead, while a server runs (R25). */
    startAuditUpkeep: () => startAuditUpkeep(auditEvents, config.auditCheckpoints, logger),
    /** Identity implements session ending; it exists only once the provider is built. */
    attachSessionEnder(sessionEnder: SessionEnder) {
      ending.attach(sessionEnder);
    },
  };
}

export type Directory = ReturnType<typeof createDirectory>;
