import type { RunningServer } from '../../server/app.ts';
import { RESOURCES } from '../../directory/catalogue/modules.ts';
import { signIn } from './oidc.ts';

export const TEST_NEW_PASSWORD = 'Tongmen#2026-secure';

/**
 * A real admin-API access token: the admin console's authorization code flow with PKCE through the
 * provider's sign-in pages (first sign-in changes the initial password, R20).
 */
export async function adminToken(server: RunningServer, username: string, initialPassword: string | null): Promise<string> {
  const result = await signIn({
    issuer: server.url,
    clientId: 'admin-console',
    redirectUri: `${server.url}/console/callback`,
    resource: RESOURCES.admin,
    username,
    password: initialPassword ?? TEST_NEW_PASSWORD,
    newPassword: TEST_NEW_PASSWORD,
  });
  if (!result.ok) throw new Error(`sign-in failed: ${result.error}`);
  return result.tokens.access_token;
}

/** Calls the admin API of a running server. */
export async function adminCall(server: RunningServer, token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/admin/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : text };
}
