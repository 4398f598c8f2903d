import crypto from 'node:crypto';
import { AppError, badRequest, isAppError, notFound } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import { readSheet } from '../../platform/sheets/read-sheet.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize } from '../authz/policy.ts';
import type { ImportJobRepository } from './import-job-repository.ts';
import type { ImportService, ImportSheets } from './import-service.ts';
import type { SheetKind } from './sheet-layout.ts';

export type UploadedFiles = Partial<Record<SheetKind, { name: string; bytes: Uint8Array }>>;

/** A job silent this long lost its node (the running node beats every HEARTBEAT_MS). */
const STALE_SECONDS = 60;
const HEARTBEAT_MS = 10_000;

/**
 * Issue 8 — the legacy import as a job of the server, for a province administrator (`POST /imports`).
 * The files are read on the node that accepted them and the job runs there; its state, progress and
 * report live in PostgreSQL so any node answers the status. A job whose node died is marked failed
 * (`failStale`, called when a node starts and when a job is read).
 */
export class ImportJobs {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: { imports: ImportService; jobs: ImportJobRepository; logger: Logger }) {}

  async start(actor: Actor, files: UploadedFiles, dryRun: boolean, meta: RequestMeta) {
    authorize(actor, 'import.run');
    // Unreadable files are refused now (400), before a job exists.
    const sheets: ImportSheets = {};
    for (const kind of ['units', 'accounts', 'grants'] as const) {
      const file = files[kind];
      if (file) sheets[kind] = await readSheet(file.name, file.bytes);
    }
    if (!Object.keys(sheets).length) throw badRequest('import.no_files', 'Give at least one of the units, accounts or grants sheets');
    const id = crypto.randomUUID();
    await this.deps.jobs.create({ id, dryRun, actorAccountId: actor.accountId, files: Object.values(sheets).map((s) => s.name) });
    const job = this.execute(id, actor, sheets, dryRun, meta).finally(() => this.running.delete(job));
    this.running.add(job);
    return { id, status: 'running' as const };
  }

  private async execute(id: string, actor: Actor, sheets: ImportSheets, dryRun: boolean, meta: RequestMeta) {
    const beat = setInterval(() => void this.deps.jobs.heartbeat(id).catch(() => {}), HEARTBEAT_MS);
    beat.unref();
    try {
      const result = await this.deps.imports.run(actor, sheets, {
        dryRun,
        meta,
        runId: id,
        // Not awaited: a dry run reports progress from inside its one transaction, and the embedded
        // database serves one session at a time — the write waits for the transaction, never the reverse.
        onProgress: (p) => void this.deps.jobs.progress(id, { ...p }).catch(() => {}),
      });
      await this.deps.jobs.finish(id, { status: 'succeeded', counts: result.counts, report: result.rows });
    } catch (err) {
      const error = isAppError(err) ? { code: err.code, message: err.message } : { code: 'internal', message: 'The import failed' };
      if (!isAppError(err)) this.deps.logger.error({ err, importId: id }, 'import job failed');
      await this.deps.jobs.finish(id, { status: 'failed', error }).catch(() => {});
    } finally {
      clearInterval(beat);
    }
  }

  async get(actor: Actor, id: string, page: { offset: number; limit: number; outcome?: 'created' | 'unchanged' | 'failed' | undefined }) {
    authorize(actor, 'import.run');
    await this.failStale();
    const job = await this.deps.jobs.find(id);
    if (!job) throw notFound('import.not_found', 'Import job not found');
    const report = await this.deps.jobs.reportPage(id, { offset: page.offset, limit: page.limit, outcome: page.outcome ?? null });
    return {
      id: job.id,
      status: job.status,
      dryRun: job.dryRun,
      files: job.files,
      progress: job.progress,
      counts: job.counts,
      error: job.error,
      createdAt: new Date(job.createdAt).toISOString(),
      finishedAt: job.finishedAt ? new Date(job.finishedAt).toISOString() : null,
      report: { total: report.total, offset: page.offset, limit: page.limit, items: report.items },
    };
  }

  /** Marks the jobs of dead nodes failed; called when a node starts. */
  failStale(): Promise<number> {
    const lost = new AppError(503, 'import.node_lost', 'The node running the import stopped; rows written stay, import again');
    return this.deps.jobs.failStale(STALE_SECONDS, { code: lost.code, message: lost.message });
  }

  /** Waits for this node's jobs (a graceful stop, and tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.running]);
  }
}
