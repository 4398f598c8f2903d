import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Actor } from '../actor.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Loads the live actor behind a token's `sub`: only an active account of an active unit acts, with
 * the scope and active role codes it holds now (R9, R12) — never what the token claimed.
 */
export class ActorLoader {
  constructor(private readonly sequelize: Sequelize) {}

  async load(accountId: string, transaction?: Transaction): Promise<Actor | null> {
    if (!UUID.test(accountId)) return null;
    const [row] = await this.sequelize.query<Actor>(
      `SELECT a.id AS "accountId", a.kind, a.unit_id AS "unitId", u.kind AS "unitKind", u.level AS "unitLevel",
          a.scope, a.person_id AS "personId",
          COALESCE((SELECT array_agg(r.code ORDER BY r.code) FROM account_roles ar JOIN roles r ON r.id = ar.role_id
            WHERE ar.account_id = a.id AND r.status = 'active'), '{}') AS roles
        FROM accounts a JOIN units u ON u.id = a.unit_id
        WHERE a.id = :accountId AND a.status = 'active' AND u.status = 'active'`,
      { replacements: { accountId }, type: QueryTypes.SELECT, transaction },
    );
    return row ?? null;
  }
}
