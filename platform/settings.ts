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
