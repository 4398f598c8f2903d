import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 6 items 1–3: who may import whom and who owns which table, read from the source itself.
 * (A dependency-cruiser rule in CI may replace the import checks; these hold the line until then.)
 */
const ROOT = path.resolve(import.meta.dirname, '..');

function sources(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push({ file: rel, text: fs.readFileSync(path.join(ROOT, rel), 'utf8') });
  }
  return out;
}

const importsOf = (text: string) => [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
const resolved = (file: string, spec: string) => path.normalize(path.join(path.dirname(file), spec));

/** The directory's tables; only the directory (and the migrations) write SQL about them. */
const DIRECTORY_TABLES = [
  'units', 'persons', 'accounts', 'credentials', 'roles', 'account_roles', 'affiliation_requests',
  'migration_requests', 'role_change_requests', 'clients', 'throttles',
];
const SQL_ON_TABLE = new RegExp(`\\b(FROM|JOIN|INTO|UPDATE)\\s+(${DIRECTORY_TABLES.join('|')})\\b`, 'i');

describe('issue 6: one way for dependencies, one owner for every table', () => {
  it('item 2: nothing in directory/ imports from server/, identity/, admin-api/, cli/ or subsystems/', () => {
    const upward = sources('directory').flatMap(({ file, text }) =>
      importsOf(text)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => `${file} → ${resolved(file, spec)}`)
        .filter((edge) => /→ (server|identity|admin-api|cli|subsystems)\//.test(edge)),
    );
    expect(upward).toEqual([]);
  });

  it('item 3: a subsystem imports from the directory only its catalogue (modules and the token claims)', () => {
    const reach = sources('subsystems').flatMap(({ file, text }) =>
      importsOf(text)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => resolved(file, spec))
        .filter((target) => target.startsWith('directory/') && !target.startsWith('directory/catalogue/')),
    );
    expect(reach).toEqual([]);
  });

  it('item 1: in directory/, only repositories (and the audit trail, owner of its own tables) issue SQL or call models', () => {
    const mayQuery = (file: string) => file.endsWith('-repository.ts') || file.startsWith('directory/audit/') || file.startsWith('directory/models/');
    const offenders = sources('directory')
      .filter(({ file }) => !mayQuery(file))
      .filter(({ text }) => /\.query(<[^>]*>)?\(|\b[A-Z]\w*Model\.(create|findOne|findAll|findByPk|findOrCreate|update|destroy|count)\(|\.save\(/.test(text))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });

  it("item 3: the directory never touches the provider's own tables: a disabled client's tokens end through the SessionEnder port", () => {
    const offenders = sources('directory')
      .filter(({ text }) => /\b(oidc_payloads|interaction_state)\b/.test(text))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });

  it('item 3: the directory tables are read and written by the directory only (identity reads clients and accounts through its repositories)', () => {
    const outside = ['identity', 'admin-api', 'server', 'cli', 'subsystems']
      .flatMap((dir) => sources(dir))
      .filter(({ text }) => SQL_ON_TABLE.test(text))
      .map(({ file }) => file);
    expect(outside).toEqual([]);
  });
});
