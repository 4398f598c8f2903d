import type { SubsystemCaller } from '../module-guard.ts';
import type { ApplicationRepository, ApplicationStatus } from './application-repository.ts';

export type StepOutcome = 'done' | 'not_found' | 'no_upper_unit';

/**
 * The title-evaluation flow (职称评审) along affiliation (R14). Who may call which step is the
 * module guard's business (title:apply, title:unit-verify, title:unit-recommend,
 * title:forward-upward, title:evaluate); this service holds the rules of the flow itself:
 * - an application belongs to its applicant (`sub`), wherever the applicant works now (R11);
 * - a reviewer acts only on applications held by their own unit, in the state the step expects;
 * - forwarding goes to the unit above the reviewer's, read from the token's `unit_path` (the
 *   confirmed affiliation chain, root first); the upper unit's reviewers and experts then hold it;
 * - every step writes an approval owned by the approving unit, which only that unit sees.
 */
export class ApplicationService {
  constructor(private readonly repo: ApplicationRepository) {}

  createDraft(caller: SubsystemCaller, applicantName: string, input: { title: string; materials: string }) {
    return this.repo.createDraft({ applicantSub: caller.sub, applicantName, unitId: caller.unitId, ...input });
  }

  async submit(caller: SubsystemCaller, id: string): Promise<StepOutcome> {
    return (await this.repo.submitDraft(id, caller.sub, caller.unitId)) ? 'done' : 'not_found';
  }

  mine(caller: SubsystemCaller) {
    return this.repo.ofApplicant(caller.sub);
  }

  /** What the caller's unit holds in the given states. */
  heldByMyUnit(caller: SubsystemCaller, statuses: ApplicationStatus[]) {
    return this.repo.atUnit(caller.unitId, statuses);
  }

  approvalsOfMyUnit(caller: SubsystemCaller) {
    return this.repo.approvalsOfUnit(caller.unitId);
  }

  verify(caller: SubsystemCaller, id: string, opinion: string) {
    return this.step(caller, id, ['submitted'], 'verified', 'verify', opinion);
  }

  recommend(caller: SubsystemCaller, id: string, opinion: string) {
    return this.step(caller, id, ['verified'], 'recommended', 'recommend', opinion);
  }

  /** 上级单位流转: to the unit directly above the reviewer's on its confirmed affiliation chain. */
  async forward(caller: SubsystemCaller, id: string, opinion: string): Promise<StepOutcome> {
    const i = caller.unitPath.lastIndexOf(caller.unitId);
    const upper = i > 0 ? caller.unitPath[i - 1] : undefined;
    if (!upper) return 'no_upper_unit';
    return this.step(caller, id, ['recommended', 'forwarded'], 'forwarded', 'forward', opinion, upper);
  }

  evaluate(caller: SubsystemCaller, id: string, result: 'pass' | 'fail', opinion: string) {
    return this.step(caller, id, ['forwarded'], 'evaluated', 'evaluate', opinion, caller.unitId, result);
  }

  private async step(
    caller: SubsystemCaller,
    id: string,
    from: ApplicationStatus[],
    to: ApplicationStatus,
    step: 'verify' | 'recommend' | 'forward' | 'evaluate',
    opinion: string,
    toUnit = caller.unitId,
    result: string | null = null,
  ): Promise<StepOutcome> {
    const moved = await this.repo.advance(id, { status: from, atUnitId: caller.unitId }, { status: to, atUnitId: toUnit, result }, {
      unitId: caller.unitId,
      reviewerSub: caller.sub,
      step,
      opinion,
    });
    return moved ? 'done' : 'not_found';
  }
}
