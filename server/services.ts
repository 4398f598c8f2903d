import type { BaseContext } from './context.ts';
import { CredentialService } from '../directory/credentials/credential-service.ts';
import { AccountEnding } from '../directory/accounts/account-ending.ts';
import { AccountFactory } from '../directory/accounts/account-factory.ts';
import { AccountRepository } from '../directory/accounts/account-repository.ts';
import { AccountService } from '../directory/accounts/account-service.ts';
import { AdministratorService } from '../directory/accounts/administrator-service.ts';
import { AccountPowerGuard } from '../directory/authz/account-power-guard.ts';
import { PersonGate } from '../directory/persons/person-gate.ts';
import { MigrationService } from '../directory/accounts/migration-service.ts';
import { AffiliationService } from '../directory/affiliation/affiliation-service.ts';
import { PersonRepository } from '../directory/persons/person-repository.ts';
import { UnitRepository } from '../directory/units/unit-repository.ts';
import { UnitService } from '../directory/units/unit-service.ts';
import type { SessionEnder } from '../directory/session-ender.ts';
import { ActorLoader } from '../directory/authz/actor-loader.ts';
import { RoleRepository } from '../directory/roles/role-repository.ts';
import { RoleService } from '../directory/roles/role-service.ts';
import { RoleGrantService } from '../directory/roles/role-grants.ts';
import { RoleChangeRepository } from '../directory/roles/role-change-repository.ts';
import { RoleChangeService } from '../directory/roles/role-change-service.ts';
import { ClientRepository } from '../directory/clients/client-repository.ts';
import { ClientService } from '../directory/clients/client-service.ts';
import { AuditQuery } from '../directory/audit/audit-query.ts';

/**
 * The directory's services, built once per process from the base context. Routes (admin API) and
 * sign-in (identity) call these; neither touches models directly.
 */
export function createServices(base: BaseContext) {
  const sequelize = base.db.sequelize;
  const credentials = new CredentialService(base);
  const persons = new PersonRepository(base.pii);
  const unitRepo = new UnitRepository(sequelize);
  const accountRepo = new AccountRepository(sequelize);
  const factory = new AccountFactory(credentials, persons);
  const ending = new AccountEnding(accountRepo);
  const roleRepo = new RoleRepository(sequelize);
  const roles = new RoleService(base, roleRepo);
  // Issue 5 items 1 and 4: one power rule for every action on an account, one answer about persons out of sight.
  const powers = new AccountPowerGuard(sequelize);
  const personGate = new PersonGate(base);
  const administrators = new AdministratorService(base, accountRepo, powers);
  // R17: the account service grants roles through this (PUT /accounts/{id}/roles, operator creation).
  const roleGrants = new RoleGrantService(base, roleRepo, roles, powers);
  const services = {
    credentials,
    persons,
    unitRepo,
    accountRepo,
    factory,
    actors: new ActorLoader(sequelize),
    units: new UnitService(base, unitRepo, accountRepo, factory, ending, powers, personGate),
    accounts: new AccountService(base, {
      accounts: accountRepo,
      units: unitRepo,
      persons,
      factory,
      credentials,
      ending,
      powers,
      personGate,
      administrators,
      roles: () => roleGrants,
    }),
    administrators,
    migrations: new MigrationService(base, accountRepo, unitRepo, ending, powers),
    roles,
    roleGrants,
    roleChanges: new RoleChangeService(base, new RoleChangeRepository(sequelize), roleRepo, roles),
    clients: new ClientService(base, new ClientRepository(sequelize)),
    auditQuery: new AuditQuery(base),
    affiliation: new AffiliationService(base, unitRepo),
    /** Identity implements session ending; it exists only once the provider is built. */
    attachSessionEnder(sessionEnder: SessionEnder) {
      ending.attach(sessionEnder);
    },
  };
  return services;
}

export type Services = ReturnType<typeof createServices>;
