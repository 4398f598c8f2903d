import { z } from 'zod';
import { SUBSYSTEMS } from '../../directory/catalogue/modules.ts';

/** Shapes of the role catalogue (R15–R17). */
export const subsystem = z.enum([...SUBSYSTEMS, 'org'] as const);

export const roleCode = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/, 'lower-case words joined by dots, e.g. title.city-reviewer')
  .describe('Stable role code, e.g. `title.reviewer`');

export const moduleList = z.array(z.string().max(100)).min(1).max(50).describe('Module codes `subsystem:module` of the role’s subsystem');

export const role = z
  .object({
    id: z.uuid(),
    code: z.string(),
    name: z.string(),
    subsystem: z.string(),
    modules: z.array(z.string()),
    ownerUnitId: z.uuid().nullable().describe('null: the provincial catalogue'),
    provincial: z.boolean(),
    grantable: z.boolean().describe("Grantable to operators of the caller's unit (R17)"),
    status: z.enum(['active', 'disabled']),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Role' });

export const roleParams = z.object({ code: roleCode });

export const roleMembers = z.object({ code: z.string(), accountIds: z.array(z.uuid()) }).meta({ id: 'RoleMembers' });
