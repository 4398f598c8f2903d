import crypto from 'node:crypto';
import type { SubsystemStore } from '../kit/store.ts';

/** Where an application is (职称申报流程). */
export type ApplicationStatus = 'draft' | 'submitted' | 'verified' | 'recommended' | 'forwarded' | 'evaluated';

export interface Application {
  id: string;
  applicantSub: string;
  applicantName: string;
  title: string;
  materials: string;
  status: ApplicationStatus;
  /** The unit whose reviewers (or experts) hold it now: the applicant's unit, then the units above it. */
  atUnitId: string;
  /** The applicant's unit when it was submitted. */
  fromUnitId: string;
  result: string | null;
}

export interface Approval {
  id: string;
  applicationId: string;
  /** The approving unit: the record is that unit's, not the applicant's (R11). */
  unitId: string;
  reviewerSub: string;
  step: 'verify' | 'recommend' | 'forward' | 'evaluate';
  opinion: string;
  at: Date;
}

const toApp = (r: Record<string, unknown>): Application => ({
  id: String(r['id']),
  applicantSub: String(r['applicant_sub']),
  applicantName: String(r['applicant_name']),
  title: String(r['title']),
  materials: String(r['materials']),
  status: r['status'] as ApplicationStatus,
  atUnitId: String(r['at_unit_id']),
  fromUnitId: String(r['from_unit_id']),
  result: (r['result'] as string | null) ?? null,
});

/** The title subsystem's own tables (schema `sub_title`): applications owned by `sub`, approvals owned by units. */
export class ApplicationRepository {
  private readonly apps: string;
  private readonly approvals: string;
  constructor(private readonly store: SubsystemStore) {
    this.apps = `${store.schema}.applications`;
    this.approvals = `${store.schema}.approvals`;
  }

  async migrate() {
    await this.store.query(`CREATE TABLE IF NOT EXISTS ${this.apps} (
      id uuid PRIMARY KEY, applicant_sub text NOT NULL, applicant_name text NOT NULL, title text NOT NULL,
      materials text NOT NULL, status text NOT NULL, at_unit_id text NOT NULL, from_unit_id text NOT NULL,
      result text, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`);
    await this.store.query(`CREATE INDEX IF NOT EXISTS applications_sub ON ${this.apps} (applicant_sub)`);
    await this.store.query(`CREATE INDEX IF NOT EXISTS applications_at_unit ON ${this.apps} (at_unit_id, status)`);
    await this.store.query(`CREATE TABLE IF NOT EXISTS ${this.approvals} (
      id uuid PRIMARY KEY, application_id uuid NOT NULL REFERENCES ${this.apps} (id), unit_id text NOT NULL,
      reviewer_sub text NOT NULL, step text NOT NULL, opinion text NOT NULL, at timestamptz NOT NULL DEFAULT now())`);
    await this.store.query(`CREATE INDEX IF NOT EXISTS approvals_unit ON ${this.approvals} (unit_id)`);
  }

  async createDraft(a: { applicantSub: string; applicantName: string; unitId: string; title: string; materials: string }): Promise<string> {
    const id = crypto.randomUUID();
    await this.store.query(
      `INSERT INTO ${this.apps} (id, applicant_sub, applicant_name, title, materials, status, at_unit_id, from_unit_id)
       VALUES ($1, $2, $3, $4, $5, 'draft', $6, $6)`,
      [id, a.applicantSub, a.applicantName, a.title, a.materials, a.unitId],
    );
    return id;
  }

  async find(id: string): Promise<Application | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const [row] = await this.store.query(`SELECT * FROM ${this.apps} WHERE id = $1`, [id]);
    return row ? toApp(row) : undefined;
  }

  async ofApplicant(sub: string): Promise<Application[]> {
    return (await this.store.query(`SELECT * FROM ${this.apps} WHERE applicant_sub = $1 ORDER BY created_at`, [sub])).map(toApp);
  }

  async atUnit(unitId: string, statuses: ApplicationStatus[]): Promise<Application[]> {
    return (
      await this.store.query(`SELECT * FROM ${this.apps} WHERE at_unit_id = $1 AND status = ANY($2::text[]) ORDER BY created_at`, [unitId, statuses])
    ).map(toApp);
  }

  /** The owner submits a draft at the unit it is in NOW (a draft follows its owner when they migrate, R11). */
  async submitDraft(id: string, applicantSub: string, unitId: string): Promise<boolean> {
    const rows = await this.store.query(
      `UPDATE ${this.apps} SET status = 'submitted', at_unit_id = $3, from_unit_id = $3, updated_at = now()
       WHERE id = $1 AND applicant_sub = $2 AND status = 'draft' RETURNING id`,
      [id, applicantSub, unitId],
    );
    return rows.length === 1;
  }

  /**
   * Moves an application on, only from the state the rule expects (`from`: status and holding
   * unit), so two reviewers acting at once cannot both move it; the approving unit's record is
   * written by the same statement.
   */
  async advance(
    id: string,
    from: { status: ApplicationStatus[]; atUnitId: string },
    to: { status: ApplicationStatus; atUnitId: string; result: string | null },
    approval: Omit<Approval, 'id' | 'applicationId' | 'at'>,
  ): Promise<boolean> {
    const rows = await this.store.query(
      `WITH moved AS (UPDATE ${this.apps} SET status = $3, at_unit_id = $4, result = COALESCE($5, result), updated_at = now()
         WHERE id = $1 AND status = ANY($2::text[]) AND at_unit_id = $6 RETURNING id),
       rec AS (INSERT INTO ${this.approvals} (id, application_id, unit_id, reviewer_sub, step, opinion)
         SELECT $7::uuid, id, $8, $9, $10, $11 FROM moved RETURNING id)
       SELECT id FROM rec`,
      [id, from.status, to.status, to.atUnitId, to.result, from.atUnitId, crypto.randomUUID(), approval.unitId, approval.reviewerSub, approval.step, approval.opinion],
    );
    return rows.length === 1;
  }

  /** The approvals of one application that belong to `unitId` (a unit sees only its own records, R11). */
  async approvalsOf(applicationId: string, unitId: string): Promise<Approval[]> {
    const rows = await this.store.query(
      `SELECT * FROM ${this.approvals} WHERE application_id = $1 AND unit_id = $2 ORDER BY at`,
      [applicationId, unitId],
    );
    return rows.map((r) => ({
      id: String(r['id']), applicationId: String(r['application_id']), unitId: String(r['unit_id']), reviewerSub: String(r['reviewer_sub']),
      step: r['step'] as Approval['step'], opinion: String(r['opinion']), at: r['at'] as Date,
    }));
  }

  /** The approval records a unit owns, with the application they concern. */
  async approvalsOfUnit(unitId: string): Promise<Array<Approval & { title: string; applicantName: string }>> {
    const rows = await this.store.query(
      `SELECT ap.*, a.title, a.applicant_name FROM ${this.approvals} ap JOIN ${this.apps} a ON a.id = ap.application_id
       WHERE ap.unit_id = $1 ORDER BY ap.at`,
      [unitId],
    );
    return rows.map((r) => ({
      id: String(r['id']), applicationId: String(r['application_id']), unitId: String(r['unit_id']), reviewerSub: String(r['reviewer_sub']),
      step: r['step'] as Approval['step'], opinion: String(r['opinion']), at: r['at'] as Date, title: String(r['title']), applicantName: String(r['applicant_name']),
    }));
  }
}
