import crypto from 'node:crypto';
import type { DemoLogin } from '../directory/bootstrap/demo.ts';

/**
 * What `npm start` prints after loading the demo province: each demo account's sign-in name and
 * initial password, and how to sign in before the web console exists — an authorization URL of
 * the public `admin-console` client with a PKCE pair made now, and the token request that redeems
 * the code.
 */
export function demoBanner(issuer: string, logins: DemoLogin[]): string {
  const lines = logins.map((l) => `  ${l.who}\n    用户名 username: ${l.username}\n    初始密码 initial password: ${l.initialPassword ?? '(unchanged)'}`);
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const redirect = `${issuer}/console/callback`;
  const auth = new URL(`${issuer}/auth`);
  for (const [k, v] of Object.entries({
    client_id: 'admin-console', response_type: 'code', scope: 'openid profile', redirect_uri: redirect,
    code_challenge: challenge, code_challenge_method: 'S256', resource: 'urn:tongmen:admin-api',
  })) auth.searchParams.set(k, v);
  return (
    `\n演示数据已载入 / Demo province loaded. Each account must change its initial password at first sign-in (R20).\n` +
    `${lines.join('\n')}\n\n` +
    `Sign in (管理员登录): open\n  ${auth}\nThe browser ends at ${redirect}?code=…; redeem the code for an admin-API token:\n` +
    `  curl -s ${issuer}/token -d grant_type=authorization_code -d client_id=admin-console -d redirect_uri=${redirect} \\\n` +
    `    -d code_verifier=${verifier} -d resource=urn:tongmen:admin-api -d code=CODE\n` +
    `then call e.g. curl -H "Authorization: Bearer TOKEN" ${issuer}/admin/v1/units (API: ${issuer}/admin/v1/openapi.json)\n\n`
  );
}
