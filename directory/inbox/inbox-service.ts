import type { Actor } from '../actor.ts';
import type { MigrationRepository } from '../accounts/migration-repository.ts';
import { affiliationRequestView } from '../affiliation/affiliation-service.ts';
import type { AffiliationRepository } from '../affiliation/affiliation-repository.ts';
import { authorize, can } from '../authz/policy.ts';
import { roleChangeView } from '../roles/role-change-service.ts';
import type { RoleChangeRepository } from '../roles/role-change-repository.ts';

const none = { count: 0, items: [] };

/**
 * Issue 8 — 待办: the requests waiting for the caller's unit, in one place: affiliation requests
 * addressed to it (or, for an hrss reviewer, to a unit of its jurisdiction, R13), migrations into
 * it (R11), role-change requests whose next step is its (R16). Each part only for whom the policy
 * lets decide it; counts, and the oldest `limit` of each.
 */
export class InboxService {
  constructor(private readonly deps: { affiliation: AffiliationRepository; migrations: MigrationRepository; roleChanges: RoleChangeRepository }) {}

  async waiting(actor: Actor, limit: number) {
    authorize(actor, 'inbox.read');
    const [affiliation, migration, roleChange] = await Promise.all([
      can(actor, 'affiliation.decide')
        ? this.deps.affiliation.waiting({ unitId: actor.unitId, decidable: actor.kind === 'admin' ? 'own' : 'jurisdiction', limit })
        : none,
      can(actor, 'account.migrate') ? this.deps.migrations.waitingFor(actor.unitId, limit) : none,
      can(actor, 'role-change.decide') ? this.deps.roleChanges.waitingFor(actor.unitId, limit) : none,
    ]);
    return {
      counts: { affiliation: affiliation.count, migration: migration.count, roleChange: roleChange.count, total: affiliation.count + migration.count + roleChange.count },
      affiliation: affiliation.items.map(affiliationRequestView),
      migration: migration.items.map((m) => ({ ...m, createdAt: new Date(m.createdAt).toISOString() })),
      roleChange: roleChange.items.map(roleChangeView),
    };
  }
}
