import type { Sequelize, Transaction } from 'sequelize';

/**
 * Values generated once and shared by every node (cookie keys, the embedded database's PII key,
 * signing keys). The first node to write wins; every other node reads the same value.
 */
export async function getOrCreateSetting<T>(
  sequelize: Sequelize,
  key: string,
  create: () => T | Promise<T>,
  transaction?: Transaction,
): Promise<T> {
  const existing = await readSetting<T>(sequelize, key, transaction);
  if (existing !== undefined) return existing;
  const value = await create();
  await sequelize.query('INSERT INTO settings (key, value) VALUES (:key, :value) ON CONFLICT (key) DO NOTHING', {
    replacements: { key, value: JSON.stringify(value) },
    transaction,
  });
  return (await readSetting<T>(sequelize, key, transaction)) as T;
}

export async function readSetting<T>(sequelize: Sequelize, key: string, transaction?: Transaction) {
  const [rows] = await sequelize.query('SELECT value FROM settings WHERE key = :key', {
    replacements: { key },
    transaction,
  });
  return (rows as Array<{ value: T }>)[0]?.value;
}

/** One top-level field of a setting's value, without reading the rest (a cheap poll). */
export async function readSettingField(sequelize: Sequelize, key: string, field: string): Promise<string | undefined> {
  const [rows] = await sequelize.query('SELECT value->>:field AS field FROM settings WHERE key = :key', {
    replacements: { key, field },
  });
  return (rows as Array<{ field: string | null }>)[0]?.field ?? undefined;
}

/**
 * Replaces a setting's value inside `transaction` after taking the setting's own transaction-level
 * advisory lock, so that read-modify-write cycles on one setting (by any node) run one at a time.
 * Call `lockSetting` first, read, then `replaceSetting`.
 */
export async function lockSetting(sequelize: Sequelize, key: string, transaction: Transaction): Promise<void> {
  await sequelize.query('SELECT pg_advisory_xact_lock(hashtext(:key))', { replacements: { key }, transaction });
}

export async function replaceSetting(sequelize: Sequelize, key: string, value: unknown, transaction: Transaction): Promise<void> {
  await sequelize.query('UPDATE settings SET value = :value WHERE key = :key', {
    replacements: { key, value: JSON.stringify(value) },
    transaction,
  });
}
