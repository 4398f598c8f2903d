import { z } from 'zod';
import { MAX_PAGE } from '../../platform/pagination.ts';
import { UNIT_CATEGORIES } from '../../directory/models/index.ts';

/** Shapes shared by several routes (OpenAPI components come from these). */
export const idParams = z.object({ id: z.uuid() });
export const limit = z.coerce.number().int().min(1).max(MAX_PAGE).default(50);
export const next = z.string().max(500).optional();

export const personInput = z.object({
  name: z.string().min(1).max(100),
  idNumber: z.string().min(1).max(32),
  phone: z.string().min(1).max(32),
});

/** R6 — an hrss administrator's scope: `all`, or some of the subsystems. */
export const adminScope = z.array(z.enum(['all', 'personnel', 'title', 'talent', 'allocation'])).min(1).max(5);

export const unitKind = z.enum(['hrss', 'competent', 'employer']);
export const unitLevel = z.enum(['province', 'city', 'county']);
export const unitCategory = z.enum(UNIT_CATEGORIES).describe('Employers only: institution 事业单位 · enterprise 企业 · social-organization 社会组织');

export const unit = z.object({
  id: z.uuid(),
  kind: unitKind,
  level: unitLevel.nullable(),
  category: unitCategory.nullable(),
  name: z.string(),
  uscc: z.string(),
  derived: z.boolean(),
  usccOverride: z.boolean(),
  adminDivision: z.string().nullable(),
  responsibilities: z.string(),
  createdByUnitId: z.uuid().nullable(),
  parentUnitId: z.uuid().nullable(),
  affiliation: z.enum(['unconfirmed', 'confirmed']),
  path: z.array(z.uuid()),
  status: z.enum(['active', 'disabled']),
  createdAt: z.string(),
});

export const credentialsShown = z.object({
  accountId: z.uuid(),
  username: z.string(),
  initialPassword: z.string().nullable().describe('Shown once; null when the person already has a password'),
});

export const account = z.object({
  id: z.uuid(),
  kind: z.enum(['unit', 'admin', 'operator']),
  unitId: z.uuid(),
  status: z.enum(['active', 'disabled', 'offboarded']),
  name: z.string(),
  username: z.string().nullable(),
  idNumber: z.string().nullable().describe('Masked (R25)'),
  phone: z.string().nullable().describe('Masked (R25)'),
  scope: z.array(z.string()).nullable(),
  roles: z.array(z.string()),
  createdAt: z.string(),
  endedAt: z.string().nullable(),
});

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next: z.string().optional() });
