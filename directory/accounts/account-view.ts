import type { AccountRow } from './account-repository.ts';

/** An account as the admin API shows it: ID number and phone masked (R25). */
export const accountView = (a: AccountRow) => ({
  id: a.id,
  kind: a.kind,
  unitId: a.unitId,
  status: a.status,
  name: a.name,
  username: a.username ?? a.idNumberMasked,
  idNumber: a.idNumberMasked,
  phone: a.phoneMasked,
  scope: a.scope,
  roles: a.roles,
  createdAt: new Date(a.createdAt).toISOString(),
  endedAt: a.endedAt ? new Date(a.endedAt).toISOString() : null,
});
