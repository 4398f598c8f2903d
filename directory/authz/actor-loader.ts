import type { Transaction } from 'sequelize';
import type { Actor } from '../actor.ts';
import type { AccountRepository } from '../accounts/account-repository.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Loads the live actor behind a token's `sub`: only an active account of an active unit acts, with
 * the scope and active role codes it holds now (R9, R12) — never what the token claimed.
 */
export class ActorLoader {
  constructor(private readonly deps: { accounts: AccountRepository }) {}

  async load(accountId: string, transaction?: Transaction): Promise<Actor | null> {
    if (!UUID.test(accountId)) return null;
    return this.deps.accounts.liveActor(transaction, accountId);
  }
}
