import type Router from '@koa/router';
import type { Logger } from '../platform/logger.ts';
import type { DPoPCheck } from '../platform/http/dpop.ts';
import type { Actor } from '../directory/actor.ts';
import type { AdminMfa } from '../directory/credentials/second-factor-policy.ts';
import type { AccountService } from '../directory/accounts/account-service.ts';
import type { AdministratorService } from '../directory/accounts/administrator-service.ts';
import type { MigrationService } from '../directory/accounts/migration-service.ts';
import type { AffiliationService } from '../directory/affiliation/affiliation-service.ts';
import type { AuditQuery } from '../directory/audit/audit-query.ts';
import type { ActorLoader } from '../directory/authz/actor-loader.ts';
import type { ClientService } from '../directory/clients/client-service.ts';
import type { RoleChangeService } from '../directory/roles/role-change-service.ts';
import type { RoleGrantService } from '../directory/roles/role-grants.ts';
import type { RoleService } from '../directory/roles/role-service.ts';
import type { UnitService } from '../directory/units/unit-service.ts';
import type { UpperUnitLookup } from '../directory/units/upper-unit-lookup.ts';
import type { UnitCodeService } from '../directory/units/unit-code-service.ts';
import type { InboxService } from '../directory/inbox/inbox-service.ts';
import type { CleanupService } from '../directory/cleanup/cleanup-service.ts';
import type { BulkAccountActions } from '../directory/accounts/bulk-actions.ts';
import type { ImportJobs } from '../directory/imports/import-jobs.ts';

/** What the admin API reads from a verified access token; the identity layer's claims carry more. */
export interface TokenSubject {
  sub: string;
  /** RFC 8176 methods of the sign-in (R23): the admin API refuses an administrator's token without `mfa` when ADMIN_MFA asks for it. */
  amr?: string[] | undefined;
  /** Present when the token is sender-constrained (DPoP). */
  cnf?: { jkt?: string | undefined } | undefined;
}

/**
 * What the admin API needs from `identity/`, as a port the composition root fills (the admin API
 * never imports identity): local verification of admin-API access tokens. `C` is the identity
 * layer's claims type, handed back unchanged to `isTokenLive`.
 */
export interface AdminIdentity<C extends TokenSubject = TokenSubject> {
  /** Verifies a JWT access token issued for `resource`; rejects on any problem. */
  verifyAccessToken(token: string, resource: string): Promise<C>;
  /** Whether the token's grant still stands (logout and offboarding delete it, R12). */
  isTokenLive(claims: C): Promise<boolean>;
  /** Checks the DPoP proof of a sender-constrained token (RFC 9449); rejects on any problem. */
  verifyDPoPProof(check: DPoPCheck): Promise<void>;
}

/** The directory's services the admin API calls, by name: routes orchestrate these and nothing else. */
export interface AdminDirectory {
  actors: ActorLoader;
  units: UnitService;
  upperUnits: UpperUnitLookup;
  unitCodes: UnitCodeService;
  inbox: InboxService;
  cleanup: CleanupService;
  bulkAccounts: BulkAccountActions;
  importJobs: ImportJobs;
  affiliation: AffiliationService;
  accounts: AccountService;
  migrations: MigrationService;
  administrators: AdministratorService;
  roles: RoleService;
  roleGrants: RoleGrantService;
  roleChanges: RoleChangeService;
  clients: ClientService;
  auditQuery: AuditQuery;
}

/** Request state below /admin/v1: the authenticated actor (set by `auth.ts` before any route runs). */
export interface AdminState {
  requestId: string;
  actor: Actor;
}

export type AdminRouter = Router<AdminState>;

/** What every route module is built from (Logto style: one context, routes only orchestrate). */
export interface AdminContext {
  /** The issuer URL, final (no trailing slash): the OpenAPI document's server and DPoP's `htu`. */
  issuer: string;
  logger: Logger;
  directory: AdminDirectory;
  /** R23 — which administrators must have signed in with a second factor (ADMIN_MFA). */
  adminMfa: AdminMfa;
}

/** A route module: registers its routes, each with one guard, on the admin router. */
export type AdminRoutes = (router: AdminRouter, context: AdminContext) => void;
