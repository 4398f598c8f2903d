import { z } from 'zod';

/** The requests units send each other, as their routes and the inbox (issue 8) show them. */
export const affiliationRequest = z.object({
  id: z.uuid(),
  unitId: z.uuid(),
  targetUnitId: z.uuid(),
  status: z.enum(['pending', 'approved', 'rejected']),
  requestedBy: z.uuid(),
  decidedBy: z.uuid().nullable(),
  reason: z.string().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
}).meta({ id: 'AffiliationRequest' });

export const migrationRequest = z.object({ id: z.uuid(), accountId: z.uuid(), fromUnitId: z.uuid(), toUnitId: z.uuid(), status: z.enum(['pending', 'accepted', 'rejected']), reason: z.string().nullable(), createdAt: z.string() }).meta({ id: 'MigrationRequest' });

export const roleChangeStatus = z.enum(['pending', 'accepted', 'rejected', 'answered']);

export const roleChangeRequest = z
  .object({
    id: z.uuid(),
    fromUnitId: z.uuid(),
    roleId: z.uuid().nullable(),
    roleCode: z.string().nullable(),
    proposal: z.record(z.string(), z.unknown()),
    status: roleChangeStatus,
    currentReviewerUnitId: z.uuid().nullable().describe('The hrss unit that must act next (R16)'),
    history: z.array(
      z.object({
        at: z.string(),
        unitId: z.uuid(),
        accountId: z.uuid(),
        action: z.enum(['submitted', 'forwarded', 'answered', 'accepted', 'rejected']),
        note: z.string().optional(),
      }),
    ),
    createdBy: z.uuid(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'RoleChangeRequest' });
