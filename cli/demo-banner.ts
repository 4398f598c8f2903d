import type { DemoLogin } from '../directory/bootstrap/demo.ts';

/** Where the web console (统一门户, issue 10) answers on a server with this issuer. */
export const consoleAddress = (issuer: string) => `${issuer.replace(/\/$/, '')}/console/`;

/**
 * What `npm start` prints after loading the demo province: each demo account's sign-in name and
 * initial password, and the web console's address to sign in at.
 */
export function demoBanner(issuer: string, logins: DemoLogin[]): string {
  const lines = logins.map((l) => `  ${l.who}\n    用户名 username: ${l.username}\n    初始密码 initial password: ${l.initialPassword ?? '(unchanged)'}`);
  return (
    `\n演示数据已载入 / Demo province loaded. Each account must change its initial password at first sign-in (R20).\n` +
    `${lines.join('\n')}\n\n` +
    `管理控制台 Web console: ${consoleAddress(issuer)}  (admin API: ${issuer}/admin/v1/openapi.json)\n\n`
  );
}
