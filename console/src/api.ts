/**
 * The admin API (`/admin/v1`), the console's only back end. Refusals arrive as
 * `{"error": {code, message, details}}` in the language asked for (Accept-Language): the message is
 * shown as is, in place.
 */
import { accessToken, renew, sessionEnded } from './auth.ts';
import { lang } from './i18n.ts';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: Record<string, unknown>) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

export function qs(query: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

async function send(method: string, path: string, body: unknown, retried: boolean): Promise<Response> {
  const token = await accessToken();
  const res = await fetch(`/admin/v1${path}`, {
    method,
    headers: {
      accept: 'application/json',
      'accept-language': lang.value === 'en' ? 'en' : 'zh-CN',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  // An expired token (a laptop asleep past the renewal): renew once and try again.
  if (res.status === 401 && !retried && token) {
    const ok = await renew().then(() => true, () => false);
    if (ok) return send(method, path, body, true);
  }
  if (res.status === 401) sessionEnded.value = true;
  return res;
}

async function failure(res: Response): Promise<ApiError> {
  const data = (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: Record<string, unknown> } } | null;
  const e = data?.error;
  return new ApiError(res.status, e?.code ?? 'http', e?.message ?? `HTTP ${res.status}`, e?.details);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body, false);
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', `${path}${qs(query)}`);
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

/** A file answer (the audit export) handed to the browser as a download. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const res = await send('GET', path, undefined, false);
  if (!res.ok) throw await failure(res);
  const name = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The message to show for a failure (an ApiError's own, localized by the server). */
export function messageOf(err: unknown): string {
  // oauth4webapi's ResponseBodyError carries the provider's error and description.
  const oauthError = err as { error?: string; error_description?: string };
  if (oauthError?.error) return `${oauthError.error_description ?? oauthError.error} (${oauthError.error})`;
  return err instanceof Error ? err.message : String(err);
}

// Shapes of the admin API (OpenAPI: /admin/v1/openapi.json) the screens use.
export interface Page<T> { items: T[]; next?: string }
export interface Unit {
  id: string; kind: 'hrss' | 'competent' | 'employer'; level: 'province' | 'city' | 'county' | null;
  category: 'institution' | 'enterprise' | 'social-organization' | null; name: string; uscc: string; derived: boolean;
  adminDivision: string | null; responsibilities: string; createdByUnitId: string | null; parentUnitId: string | null;
  affiliation: 'unconfirmed' | 'confirmed'; path: string[]; status: 'active' | 'disabled'; createdAt: string;
}
export interface Account {
  id: string; kind: 'unit' | 'admin' | 'operator'; unitId: string; status: 'active' | 'disabled' | 'offboarded';
  name: string; username: string | null; idNumber: string | null; phone: string | null; scope: string[] | null;
  roles: string[]; createdAt: string; endedAt: string | null;
}
export interface Credentials { accountId: string; username: string; initialPassword: string | null }
export interface Role {
  id: string; code: string; name: string; subsystem: string; modules: string[]; ownerUnitId: string | null;
  provincial: boolean; grantable: boolean; status: 'active' | 'disabled';
}
export interface AffiliationRequest {
  id: string; unitId: string; targetUnitId: string; status: 'pending' | 'approved' | 'rejected';
  reason: string | null; createdAt: string; decidedAt: string | null;
}
export interface MigrationRequest { id: string; accountId: string; fromUnitId: string; toUnitId: string; status: string; reason: string | null; createdAt: string }
export interface RoleChangeRequest {
  id: string; fromUnitId: string; roleCode: string | null; proposal: Record<string, unknown>; status: string;
  currentReviewerUnitId: string | null; history: Array<{ at: string; unitId: string; action: string; note?: string }>; createdAt: string;
}
export interface UpperUnit { id: string; name: string; code: string; kind: string; level: string | null; area: string | null }
export interface AuditEvent {
  seq: number; id: string; at: string; actor: { accountId: string | null; kind: string | null; unitId: string | null };
  action: string; target: { type: string | null; id: string | null }; unitId: string | null; result: 'success' | 'failure';
  reason: string | null; ip: string | null; details: Record<string, unknown>;
}
export interface PartnerClient {
  clientId: string; name: string; kind: 'first-party' | 'partner'; resources: string[]; grantTypes: string[];
  canIntrospect: boolean; confidential: boolean; status: 'active' | 'disabled'; createdAt: string;
}
export interface ModuleCatalogue { items: Array<{ subsystem: string; name: string; modules: Array<{ code: string; name: string }> }> }
