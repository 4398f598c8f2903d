import type { Transaction } from 'sequelize';

/**
 * Ends everything an account holds at the identity provider (R11, R12): sessions, grants, refresh
 * and opaque access tokens. Implemented by `identity/`; the directory only needs this port.
 * `endAll` deletes inside the caller's transaction and returns what must run after the commit
 * (back-channel logout notifications to the relying parties of the ended sessions).
 */
export interface SessionEnder {
  endAll(tx: Transaction, accountId: string): Promise<() => Promise<void>>;
  /**
   * Ends every token artifact a client holds (a disabled partner app): the provider stops finding
   * the client at once, but its opaque tokens would otherwise still introspect as active until
   * they expire. Deletes inside the caller's transaction.
   */
  endClientTokens(tx: Transaction, clientId: string): Promise<void>;
}
