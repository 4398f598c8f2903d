import { z } from 'zod';
import { MAX_BULK } from '../../directory/accounts/bulk-actions.ts';
import { MISSING_KINDS } from '../../directory/cleanup/cleanup-repository.ts';
import { DEFAULT_DORMANT_DAYS } from '../../directory/cleanup/cleanup-service.ts';
import { account, limit, next } from './common.ts';
import { role, roleCode, subsystem } from './roles.ts';

/** Shapes of the clean-up lists and bulk actions (issue 8). */
const unitId = z.uuid().optional().describe("Only the subtree of this unit of the caller's jurisdiction (default: the whole jurisdiction); outside it 404");
const days = z.coerce.number().int().min(1).max(3650).default(DEFAULT_DORMANT_DAYS).describe('Not signed in for this many days');

export const cleanupAccountQuery = z.object({ unitId, kind: z.enum(['unit', 'admin', 'operator']).optional(), limit, next });
export const dormantQuery = cleanupAccountQuery.extend({ days });
export const cleanupRoleQuery = z.object({ unitId, subsystem: subsystem.optional(), limit, next });
export const unitCountsQuery = z.object({ unitId, days, limit, next });

export const cleanupAccount = account
  .extend({
    unitName: z.string(),
    lastSignInAt: z.string().nullable().describe('The last completed sign-in; null: never signed in'),
    lastSignInMethod: z.string().nullable().describe('`password`, `sms`, `essc`…'),
    lockedAt: z.string().nullable().describe('Set while the password is locked (R19); a reset unlocks'),
    missing: z.array(z.enum(MISSING_KINDS)).describe('What is incomplete: `unit-category` (an employer without its category), `unit-area` (a unit without its administrative-division code), `password` (no password yet)'),
  })
  .meta({ id: 'CleanupAccount' });

export const cleanupRole = role
  .pick({ id: true, code: true, name: true, subsystem: true, modules: true, ownerUnitId: true, provincial: true })
  .extend({ members: z.number().int().describe('Live holders in the scope') })
  .meta({ id: 'CleanupRole' });

const counts = z.object({
  accounts: z.number().int().describe('Live accounts'),
  neverSignedIn: z.number().int(),
  dormant: z.number().int().describe('Not signed in for `days` days (never-signed-in accounts older than that included)'),
  locked: z.number().int(),
  operatorsWithoutRole: z.number().int(),
});

const unitCounts = counts
  .extend({
    unitId: z.uuid(),
    name: z.string(),
    kind: z.enum(['hrss', 'competent', 'employer']),
    uscc: z.string(),
    parentUnitId: z.uuid().nullable(),
    status: z.enum(['active', 'disabled']),
  })
  .describe("The unit's own live accounts")
  .meta({ id: 'UnitCleanupCounts' });

export const unitCountsPage = z.object({
  items: z.array(unitCounts),
  next: z.string().optional(),
  totals: counts.describe('Over every unit of the scope (the whole subtree), whatever the page'),
});

const accountIds = z.array(z.uuid()).min(1).max(MAX_BULK);

export const bulkRequest = z.discriminatedUnion('action', [
  z.object({ action: z.enum(['offboard', 'reset-password']), accountIds }),
  z.object({ action: z.enum(['grant-role', 'revoke-role']), accountIds, roleCode }),
]);

export const bulkResponse = z.object({
  results: z.array(
    z.object({
      accountId: z.uuid(),
      ok: z.boolean(),
      status: z.number().int().describe('The status the single action would have answered'),
      code: z.string().optional().describe('The error code of a refused account (as the single action)'),
      message: z.string().optional(),
      details: z.record(z.string(), z.unknown()).optional(),
      initialPassword: z.string().optional().describe('reset-password only: shown once (R20)'),
    }),
  ),
});
