import crypto from 'node:crypto';
import type Koa from 'koa';
import type { PiiCipher } from '../platform/crypto/pii.ts';
import type { IdentityReads } from '../directory/identity-reads.ts';

/** RFC 6749 §2.3.1: HTTP Basic with form-urlencoded id and secret, or both in the form body. */
function presentedCredentials(ctx: Koa.Context, body: Record<string, unknown>): { id: string; secret: string } | undefined {
  const header = ctx.get('authorization');
  if (header.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    try {
      const unescape = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      return { id: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) };
    } catch {
      return undefined;
    }
  }
  const { client_id: id, client_secret: secret } = body;
  return typeof id === 'string' && typeof secret === 'string' ? { id, secret } : undefined;
}

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

export interface AuthenticatedClient {
  clientId: string;
  resources: string[];
  canIntrospect: boolean;
}

/**
 * Authenticates a confidential client against the `clients` table (secret encrypted at rest,
 * compared in constant time). Undefined for an unknown, disabled or secret-less client.
 */
export async function authenticateClient(
  ctx: Koa.Context,
  body: Record<string, unknown>,
  pii: PiiCipher,
  clients: Pick<IdentityReads['clients'], 'findActive'>,
): Promise<AuthenticatedClient | undefined> {
  const presented = presentedCredentials(ctx, body);
  if (!presented) return undefined;
  const row = await clients.findActive(undefined, presented.id);
  if (!row?.secretEnc) return undefined;
  if (!crypto.timingSafeEqual(digest(pii.decrypt(row.secretEnc)), digest(presented.secret))) return undefined;
  return { clientId: row.clientId, resources: row.resources, canIntrospect: row.canIntrospect };
}
