/** Who is signed in: the token's account and unit, read once from the admin API after sign-in. */
import { reactive } from 'vue';
import { claims } from './auth.ts';
import { get, type Account, type Unit } from './api.ts';

export const me = reactive<{ accountId: string; kind: 'unit' | 'admin' | 'operator' | null; unit: Unit | null; account: Account | null }>({
  accountId: '',
  kind: null,
  unit: null,
  account: null,
});

export async function loadMe(): Promise<void> {
  const c = claims();
  if (!c) return;
  me.accountId = c.sub;
  me.kind = c.acct_kind;
  me.unit = await get<Unit>(`/units/${c.unit_id}`).catch(() => null);
  me.account = await get<Account>(`/accounts/${c.sub}`).catch(() => null);
}

export const isProvinceHrss = () => me.unit?.kind === 'hrss' && me.unit.level === 'province';

/** R4 — which kinds of unit the signed-in unit may create (and an hrss child's level). */
export function creatableKinds(u: Unit | null): Array<{ kind: Unit['kind']; level?: 'city' | 'county' }> {
  if (!u) return [];
  if (u.kind === 'hrss' && u.level === 'province') return [{ kind: 'hrss', level: 'city' }, { kind: 'competent' }, { kind: 'employer' }];
  if (u.kind === 'hrss' && u.level === 'city') return [{ kind: 'hrss', level: 'county' }, { kind: 'competent' }, { kind: 'employer' }];
  if (u.kind === 'hrss') return [{ kind: 'competent' }, { kind: 'employer' }];
  return [{ kind: 'employer' }];
}
