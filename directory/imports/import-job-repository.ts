import { QueryTypes, type Sequelize } from 'sequelize';
import type { ImportCounts, ReportRow } from './import-service.ts';

export type ImportJobStatus = 'running' | 'succeeded' | 'failed';

export interface ImportJobRow {
  id: string;
  status: ImportJobStatus;
  dryRun: boolean;
  actorAccountId: string;
  files: string[];
  progress: Record<string, unknown>;
  counts: ImportCounts | null;
  error: { code: string; message: string } | null;
  createdAt: Date;
  finishedAt: Date | null;
}

const COLUMNS = `id, status, dry_run AS "dryRun", actor_account_id AS "actorAccountId", files, progress, counts, error,
  created_at AS "createdAt", finished_at AS "finishedAt"`;

/** Issue 8 — import jobs (migration 0011): the state every node reads; the running node writes progress and the outcome. */
export class ImportJobRepository {
  constructor(private readonly deps: { sequelize: Sequelize }) {}

  private query<T extends object>(sql: string, replacements: Record<string, unknown>): Promise<T[]> {
    return this.deps.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  }

  async create(job: { id: string; dryRun: boolean; actorAccountId: string; files: string[] }): Promise<void> {
    await this.deps.sequelize.query(
      `INSERT INTO import_jobs (id, status, dry_run, actor_account_id, files) VALUES (:id, 'running', :dryRun, :actorAccountId, CAST(:files AS text[]))`,
      { replacements: { ...job, files: `{${job.files.map((f) => JSON.stringify(f)).join(',')}}` } },
    );
  }

  /** Progress moves the heartbeat: the job's node is alive. */
  async progress(id: string, progress: Record<string, unknown>): Promise<void> {
    await this.deps.sequelize.query(
      `UPDATE import_jobs SET progress = CAST(:progress AS jsonb), heartbeat_at = clock_timestamp() WHERE id = :id AND status = 'running'`,
      { replacements: { id, progress: JSON.stringify(progress) } },
    );
  }

  async heartbeat(id: string): Promise<void> {
    await this.deps.sequelize.query(`UPDATE import_jobs SET heartbeat_at = clock_timestamp() WHERE id = :id AND status = 'running'`, { replacements: { id } });
  }

  async finish(id: string, outcome: { status: 'succeeded'; counts: object; report: object[] } | { status: 'failed'; error: { code: string; message: string } }): Promise<void> {
    await this.deps.sequelize.query(
      `UPDATE import_jobs SET status = :status, counts = CAST(:counts AS jsonb), report = CAST(:report AS jsonb), error = CAST(:error AS jsonb),
         finished_at = clock_timestamp() WHERE id = :id AND status = 'running'`,
      {
        replacements: {
          id,
          status: outcome.status,
          counts: outcome.status === 'succeeded' ? JSON.stringify(outcome.counts) : null,
          report: outcome.status === 'succeeded' ? JSON.stringify(outcome.report) : null,
          error: outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
        },
      },
    );
  }

  /** A running job whose heartbeat is older than `staleSeconds` lost its node: it failed. Atomic, so any node may call it. */
  async failStale(staleSeconds: number, error: { code: string; message: string }): Promise<number> {
    const rows = await this.query<{ id: string }>(
      `UPDATE import_jobs SET status = 'failed', finished_at = clock_timestamp(), error = CAST(:error AS jsonb)
       WHERE status = 'running' AND heartbeat_at < clock_timestamp() - make_interval(secs => :staleSeconds) RETURNING id`,
      { staleSeconds, error: JSON.stringify(error) },
    );
    return rows.length;
  }

  async find(id: string): Promise<ImportJobRow | null> {
    return (await this.query<ImportJobRow>(`SELECT ${COLUMNS} FROM import_jobs WHERE id = :id`, { id }))[0] ?? null;
  }

  /** One page of the per-row report, in report order, optionally only rows of one outcome. */
  async reportPage(id: string, page: { offset: number; limit: number; outcome: string | null }): Promise<{ total: number; items: ReportRow[] }> {
    const [row] = await this.query<{ total: number; items: ReportRow[] }>(
      `WITH r AS (
         SELECT t.e, t.i FROM import_jobs j, jsonb_array_elements(coalesce(j.report, '[]'::jsonb)) WITH ORDINALITY AS t(e, i)
         WHERE j.id = :id AND (CAST(:outcome AS text) IS NULL OR t.e->>'outcome' = :outcome))
       SELECT (SELECT count(*) FROM r)::int AS total,
              (SELECT coalesce(jsonb_agg(p.e ORDER BY p.i), '[]'::jsonb) FROM (SELECT e, i FROM r ORDER BY i OFFSET :offset LIMIT :limit) p) AS items`,
      { id, ...page },
    );
    return row ?? { total: 0, items: [] };
  }
}
