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
  'migration_requests', 'role_change_requests', 'clients', 'throttles', 'retired_unit_codes', 'sms_codes', 'sms_send_limits',
  'qr_tickets', 'essc_assertions', 'subsystem_usage',
];
const SQL_ON_TABLE = new RegExp(`\\b(FROM|JOIN|INTO|UPDATE)\\s+(${DIRECTORY_TABLES.join('|')})\\b`, 'i');

/** Identity's own tables (the provider's artifacts and the sign-in step state), each with its repository in identity/store/. */
const IDENTITY_TABLES = ['oidc_payloads', 'interaction_state'];
const SQL_ON_IDENTITY_TABLE = new RegExp(`\\b(FROM|JOIN|INTO|UPDATE)\\s+(${IDENTITY_TABLES.join('|')})\\b`, 'i');
const CALLS_SQL = /\.query(<[^>]*>)?\(|\b[A-Z]\w*Model\.(create|findOne|findAll|findByPk|findOrCreate|update|destroy|count)\(/;
/** In directory/ a `.save(` is a Sequelize instance written back; in identity/ it is oidc-provider's own models (Grant, Session), stored through the adapter. */
const ISSUES_SQL = new RegExp(`${CALLS_SQL.source}|\\.save\\(`);
const LAYERS = ['platform', 'directory', 'identity', 'admin-api', 'server', 'cli', 'subsystems'];
const isMigration = (file: string) => file.startsWith('platform/db/');
const isIdentityRepository = (file: string) => /^identity\/store\/[^/]+-repository\.ts$/.test(file);

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

  it.each([
    { layer: 'directory', owners: 'its repositories and models (the audit trail\'s included)', mayQuery: (f: string) => f.endsWith('-repository.ts') || f.startsWith('directory/models/'), sql: ISSUES_SQL },
    { layer: 'identity', owners: 'identity/store/*-repository.ts', mayQuery: isIdentityRepository, sql: CALLS_SQL },
  ])('item 1: in $layer/, only $owners issue SQL or call models', ({ layer, mayQuery, sql }) => {
    const offenders = sources(layer)
      .filter(({ file }) => !mayQuery(file))
      .filter(({ text }) => sql.test(text))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });

  it("item 1: identity's tables (oidc_payloads, interaction_state) are read and written by identity/store/ repositories only", () => {
    const outside = LAYERS.flatMap((dir) => sources(dir))
      .filter(({ file }) => !isIdentityRepository(file) && !isMigration(file))
      .filter(({ text }) => SQL_ON_IDENTITY_TABLE.test(text))
      .map(({ file }) => file);
    expect(outside).toEqual([]);
  });

  it('item 2: identity never builds a directory repository: the composition root hands them over (IdentityDeps.directory)', () => {
    const offenders = sources('identity').flatMap(({ file, text }) => {
      const directoryValues = [...text.matchAll(/^import\s+(?!type\b)\{([^}]*)\}\s+from\s+'([^']+)'/gm)]
        .filter((m) => resolved(file, m[2]!).startsWith('directory/'))
        .flatMap((m) => m[1]!.split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type ')));
      const built = [...text.matchAll(/\bnew\s+(\w+Repository)\s*[(<]/g)].map((m) => m[1]!);
      const fromDirectory = built.filter((name) => directoryValues.includes(name));
      const importsRepository = directoryValues.some((n) => /Repository$/.test(n));
      return fromDirectory.length || importsRepository ? [file] : [];
    });
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
