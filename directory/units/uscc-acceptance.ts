import { badRequest, forbidden } from '../../platform/errors.ts';
import type { Actor } from '../actor.ts';
import { isProvinceHrss } from '../authz/policy.ts';
import { checkUscc, isCheckFailure } from '../codes/uscc.ts';

/**
 * R1 — a code must pass both check characters; a province administrator may accept a pilot-area
 * code failing only the checks with an explicit, audited override. Returns the normalized code.
 */
export function acceptUscc(actor: Actor, raw: string, override: boolean): string {
  const check = checkUscc(raw);
  if (check.ok) return check.value;
  const overridable = isCheckFailure(check.reason);
  if (override && overridable) {
    if (isProvinceHrss(actor) && actor.kind === 'admin') return check.value;
    throw forbidden('unit.uscc_override_forbidden', 'Only a province administrator may accept a code that fails its check');
  }
  throw badRequest('unit.uscc_invalid', check.message, { position: check.position, reason: check.reason, overridable });
}
