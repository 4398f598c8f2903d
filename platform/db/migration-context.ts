/** What each migration receives: a function that runs SQL inside the migrations' transaction. */
export type MigrationContext = { context: (sql: string) => Promise<unknown> };
