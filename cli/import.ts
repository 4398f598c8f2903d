import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openCore } from '../server/core.ts';
import { loadConfig } from '../platform/config.ts';
import { isAppError } from '../platform/errors.ts';
import { createLogger } from '../platform/logger.ts';
import { readSheet } from '../platform/sheets/read-sheet.ts';
import type { ImportSheets } from '../directory/imports/import-service.ts';
import { headersOf } from '../directory/imports/sheet-layout.ts';
import { progressBar, reportCsv } from './import-report.ts';

/**
 * `npm run import -- [--dry-run] [--report FILE] [--as ACCOUNT_ID] units.xlsx accounts.xlsx grants.xlsx`
 * Issue 8: the legacy import from the old platform's sheets (xlsx or CSV). Positional files are, in
 * order, the units, accounts and grants sheets; `--units/--accounts/--grants FILE` name one alone.
 */
const usage = `usage: npm run import -- [--dry-run] [--report FILE.csv|.json] [--as ACCOUNT_ID] UNITS ACCOUNTS GRANTS
       npm run import -- [--dry-run] [--units FILE] [--accounts FILE] [--grants FILE]
columns (xlsx or UTF-8 CSV, header on line 1; see docs/import-templates/):
  units:    ${headersOf('units').join(', ')}
  accounts: ${headersOf('accounts').join(', ')}
  grants:   ${headersOf('grants').join(', ')}`;
const { values, positionals } = parseArgs({
  options: {
    'dry-run': { type: 'boolean', default: false },
    report: { type: 'string' },
    as: { type: 'string' },
    units: { type: 'string' },
    accounts: { type: 'string' },
    grants: { type: 'string' },
    'batch-size': { type: 'string' },
  },
  allowPositionals: true,
  strict: true,
});
const files = { units: values.units ?? positionals[0], accounts: values.accounts ?? positionals[1], grants: values.grants ?? positionals[2] };
if (!files.units && !files.accounts && !files.grants) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}

const config = loadConfig();
const logger = createLogger('warn', { stderr: true });
let core: Awaited<ReturnType<typeof openCore>> | undefined;
try {
  const sheets: ImportSheets = {};
  for (const kind of ['units', 'accounts', 'grants'] as const) {
    const file = files[kind];
    if (file && file !== '-') sheets[kind] = await readSheet(path.basename(file), await readFile(file));
  }
  core = await openCore(config, config.issuer ?? `http://localhost:${config.port}`, logger);
  const { imports, actors } = core.services;
  // The importer the audit names: a province administrator with scope all (the root's first, unless --as names one).
  const importerId = values.as ?? (await imports.provinceImporter());
  const actor = importerId ? await actors.load(importerId) : null;
  if (!actor) throw new Error('no province administrator to import as: bootstrap first, or give --as ACCOUNT_ID');
  const bar = progressBar(process.stderr);
  const result = await imports.run(actor, sheets, {
    dryRun: values['dry-run'],
    meta: { requestId: `cli-import-${Date.now()}` },
    batchSize: values['batch-size'] ? Number(values['batch-size']) : undefined,
    onProgress: bar,
  });
  const reportPath = path.resolve(values.report ?? `import-report-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`);
  await writeFile(reportPath, reportPath.endsWith('.json') ? `${JSON.stringify(result, null, 2)}\n` : reportCsv(result.rows));
  const c = result.counts;
  const line = (k: keyof typeof c) => `${k}: ${c[k].created} ${result.dryRun ? 'to create' : 'created'}, ${c[k].unchanged} unchanged, ${c[k].failed} failed`;
  process.stdout.write(
    `${result.dryRun ? 'Dry run: nothing was written.\n' : ''}${line('units')}\n${line('accounts')}\n${line('grants')}\nReport: ${reportPath}\n`,
  );
  const failed = c.units.failed + c.accounts.failed + c.grants.failed;
  process.exitCode = failed ? 1 : 0;
} catch (err) {
  if (isAppError(err)) process.stderr.write(`error: ${err.message} (${err.code})\n`);
  else if (err instanceof Error && !('code' in err && typeof err.code === 'string' && err.code.startsWith('E'))) process.stderr.write(`error: ${err.message}\n`);
  else logger.fatal({ err }, 'import failed');
  process.exitCode = 2;
} finally {
  await core?.base.db.close();
}
