import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import { parseVerificationKey } from '../../platform/crypto/public-key.ts';
import type { Database } from '../../platform/db/database.ts';
import { appError, isAppError, type AppError } from '../../platform/errors.ts';
import type { RequestMeta } from '../actor.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { PersonRepository } from '../persons/person-repository.ts';
import type { CredentialRepository, SignInAccount } from './credential-repository.ts';
import type { ProvedPerson } from './credential-service.ts';
import type { VerifiedEsscAssertion } from './essc/assertion.ts';
import { publicKeyVerifier, type SignatureVerifier } from './essc/signature-verifier.ts';
import { verifyEsscAssertion } from './essc/verify-assertion.ts';
import type { QrTicketRepository } from './qr-ticket-repository.ts';

/** R22 — a QR code is valid 2 minutes. */
export const QR_TICKET_SECONDS = 120;
/** Once confirmed, the waiting browser has at least this long to complete the sign-in. */
const PICKUP_SECONDS = 60;

/** What the waiting page is told about its ticket. */
export type QrTicketStatus = 'pending' | 'confirmed' | 'expired' | 'invalid';

export interface IssuedTicket {
  ticket: string;
  expiresAt: Date;
}

export type QrConsumption =
  | ({ ok: true } & ProvedPerson)
  | { ok: false; reason: 'pending' | 'expired' | 'invalid' | 'no_active_account' };

export interface QrTicketDeps {
  db: Database;
  audit: AuditService;
  tickets: QrTicketRepository;
  persons: PersonRepository;
  credentials: Pick<CredentialRepository, 'activeAccounts' | 'ofPerson'>;
  /** The card app's public key (PEM: ESSC_PUBLIC_KEY or the development key); undefined = QR sign-in off. */
  publicKeyPem: string | undefined;
}

/** A ticket id in the audit trail: enough to correlate events, not the bearer value itself. */
const ticketRef = (ticket: string | undefined) => (ticket ? `${ticket.slice(0, 8)}…` : null);

/**
 * QR sign-in with the electronic social security card (R22). A browser's sign-in gets a one-time
 * ticket bound to it (an opaque `binding`, derived by the sign-in layer from its interaction); the
 * card app confirms the ticket with an assertion signed by its key; the bound browser then consumes
 * the confirmed ticket once and signs in as the person it names. All state is in PostgreSQL, so the
 * three steps may run on three nodes. Every confirmation and completion is audited (R25), the ID
 * number masked.
 */
export class QrTicketService {
  private readonly verifier: SignatureVerifier | undefined;

  constructor(private readonly deps: QrTicketDeps) {
    const parsed = deps.publicKeyPem ? parseVerificationKey(deps.publicKeyPem) : undefined;
    if (parsed && 'problem' in parsed) throw new Error(`e-SSC public key ${parsed.problem}`); // the configuration checked it
    this.verifier = parsed ? publicKeyVerifier(parsed.key) : undefined;
  }

  /** Whether QR sign-in can work: a card-app key is configured (in production ESSC_PUBLIC_KEY). */
  get enabled(): boolean {
    return this.verifier !== undefined;
  }

  /**
   * The binding's live ticket, or a new one: a reload of the page keeps its QR code, and a reload
   * after the app confirmed keeps the confirmation (the page then completes it).
   */
  async current(binding: string, meta: RequestMeta = {}): Promise<IssuedTicket> {
    const live = await this.deps.tickets.live(binding, new Date());
    return live ? { ticket: live.id, expiresAt: live.expiresAt } : this.refresh(binding, meta);
  }

  /** A new ticket for the binding (≥128 random bits); any older one of it stops working. */
  async refresh(binding: string, meta: RequestMeta = {}): Promise<IssuedTicket> {
    this.assertEnabled();
    const ticket = crypto.randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + QR_TICKET_SECONDS * 1000);
    await this.deps.db.transaction(async (tx) => {
      const superseded = await this.deps.tickets.issue(tx, { id: ticket, binding, expiresAt });
      await this.deps.audit.record(tx, {
        action: 'signin.essc.ticket',
        details: { method: 'essc', ticket: ticketRef(ticket), superseded },
        meta,
      });
    });
    return { ticket, expiresAt };
  }

  /** The state of one of the binding's tickets, as the waiting page polls it. */
  async status(binding: string, ticket: string): Promise<QrTicketStatus> {
    const row = await this.deps.tickets.ofBinding(binding, ticket);
    if (!row || row.status === 'superseded' || row.status === 'consumed') return 'invalid';
    if (row.expiresAt.getTime() <= Date.now()) return 'expired';
    return row.status;
  }

  /**
   * The card app's confirmation (POST /essc/confirm). Refused, each with its code and an audit
   * event: no key configured (503), malformed, unsigned, foreign-signed, incomplete or stale
   * assertions (verify-assertion.ts), a replayed assertion, an unknown, expired or already used
   * ticket, an ID number and name that match no person (one answer for both), a person without an
   * active account. The refusal's event commits even though the request fails.
   */
  async confirm(input: { assertion: unknown; ticket?: string | undefined; meta?: RequestMeta }): Promise<{ ticket: string; status: 'confirmed' }> {
    const meta = input.meta ?? {};
    const refuse = async (err: AppError, extra: { claims?: VerifiedEsscAssertion; unitId?: string | null; personId?: string; reason?: string } = {}) => {
      await this.deps.db.transaction((tx) =>
        this.recordConfirm(tx, meta, {
          reason: extra.reason ?? err.code.replace(/^essc\./, ''),
          ticket: extra.claims?.ticket ?? input.ticket,
          claims: extra.claims,
          personId: extra.personId,
          unitId: extra.unitId ?? null,
        }),
      );
      return err;
    };
    if (!this.verifier) throw await refuse(appError('essc.not_configured'));
    const now = new Date();
    let claims: VerifiedEsscAssertion;
    try {
      claims = await verifyEsscAssertion(input.assertion, { publicKey: this.verifier, expectedTicket: input.ticket, now });
    } catch (err) {
      if (isAppError(err)) throw await refuse(err);
      throw err;
    }
    const outcome = await this.deps.db.transaction(async (tx): Promise<AppError | { accounts: SignInAccount[] }> => {
      const fail = async (err: AppError, extra: { personId?: string; reason?: string } = {}) => {
        await this.recordConfirm(tx, meta, { reason: extra.reason ?? err.code.replace(/^essc\./, ''), ticket: claims.ticket, claims, personId: extra.personId, unitId: null });
        return err;
      };
      // Replay: an assertion is accepted once, whatever its fate; the row commits with the refusal's event.
      if (!(await this.deps.tickets.recordAssertion(tx, claims.assertionId, claims.ticket))) return fail(appError('essc.assertion_replayed'));
      const ticket = await this.deps.tickets.lock(tx, claims.ticket);
      if (!ticket) return fail(appError('essc.ticket_unknown'));
      if (ticket.status !== 'pending') return fail(appError('essc.ticket_used'), { reason: `ticket_${ticket.status}` });
      if (ticket.expiresAt.getTime() <= now.getTime()) return fail(appError('essc.ticket_expired'));
      // R8: the person by the keyed hash of the ID number, and the name as registered.
      const person = await this.deps.persons.findByIdNumber(tx, claims.idNumber);
      if (!person) return fail(appError('essc.person_mismatch'), { reason: 'unknown_person' });
      if (person.name.trim() !== claims.name) return fail(appError('essc.person_mismatch'), { reason: 'name_mismatch', personId: person.id });
      const accounts = await this.deps.credentials.activeAccounts(tx, { personId: person.id });
      if (!accounts.length) return fail(appError('essc.no_active_account'), { personId: person.id });
      const confirmed = await this.deps.tickets.confirm(tx, ticket.id, {
        personId: person.id,
        accountIds: accounts.map((a) => a.id),
        now,
        expiresAt: new Date(now.getTime() + PICKUP_SECONDS * 1000),
      });
      if (!confirmed) return fail(appError('essc.ticket_used'));
      await this.recordConfirm(tx, meta, { reason: null, ticket: ticket.id, claims, personId: person.id, unitId: accounts[0]!.unitId });
      return { accounts };
    });
    if ('code' in outcome) throw outcome;
    return { ticket: claims.ticket, status: 'confirmed' };
  }

  private recordConfirm(
    tx: Transaction,
    meta: RequestMeta,
    e: { reason: string | null; ticket: string | undefined; claims: VerifiedEsscAssertion | undefined; personId: string | undefined; unitId: string | null },
  ) {
    return this.deps.audit.record(tx, {
      action: 'signin.essc.confirm',
      result: e.reason ? 'failure' : 'success',
      reason: e.reason,
      target: e.personId ? { type: 'person', id: e.personId } : null,
      unitId: e.unitId,
      // maskSensitive masks `idNumber` (R25); the name is not recorded.
      details: {
        method: 'essc',
        ticket: ticketRef(e.ticket),
        ...(e.claims ? { idNumber: e.claims.idNumber, algorithm: e.claims.algorithm, issuedAt: e.claims.issuedAt.toISOString() } : {}),
      },
      meta,
    });
  }

  /**
   * The bound browser completes the sign-in: a confirmed ticket is consumed once and gives the
   * person's accounts as they are now (one disabled since the confirmation no longer counts).
   */
  async consume(binding: string, ticket: string, meta: RequestMeta = {}): Promise<QrConsumption> {
    const now = new Date();
    return this.deps.db.transaction(async (tx) => {
      const record = (reason: string | null, personId?: string, accounts: SignInAccount[] = []) =>
        this.deps.audit.record(tx, {
          action: 'signin.essc',
          result: reason ? 'failure' : 'success',
          reason,
          target: personId ? { type: 'person', id: personId } : null,
          unitId: accounts[0]?.unitId ?? null,
          details: { method: 'essc', ticket: ticketRef(ticket), ...(reason ? {} : { accounts: accounts.length }) },
          meta,
        });
      const personId = ticket ? await this.deps.tickets.consume(tx, binding, ticket, now) : undefined;
      if (!personId) {
        const row = ticket ? await this.deps.tickets.ofBinding(binding, ticket, tx) : undefined;
        const reason =
          !row || row.status === 'superseded' || row.status === 'consumed' ? 'invalid' : row.expiresAt.getTime() <= now.getTime() ? 'expired' : 'pending';
        await record(reason === 'pending' ? 'not_confirmed' : `ticket_${reason}`);
        return { ok: false, reason };
      }
      const accounts = await this.deps.credentials.activeAccounts(tx, { personId });
      if (!accounts.length) {
        await record('no_active_account', personId);
        return { ok: false, reason: 'no_active_account' };
      }
      const credential = await this.deps.credentials.ofPerson(tx, personId);
      await record(null, personId, accounts);
      return { ok: true, personId, accounts, credentialId: credential?.id, mustChange: credential?.mustChange ?? false };
    });
  }

  /** Old tickets and assertion ids go (the clean-up); an assertion older than this is refused as stale anyway. */
  purge(): Promise<void> {
    return this.deps.tickets.purge(24 * 3600);
  }

  private assertEnabled() {
    if (!this.verifier) throw appError('essc.not_configured');
  }
}
