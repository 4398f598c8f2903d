import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapProvince } from '../directory/bootstrap/bootstrap.ts';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { FormBrowser } from './support/browser.ts';
import { samplePerson } from './support/core.ts';
import { startTestServer } from './support/harness.ts';
import { NEW_PASSWORD } from './support/subsystem-world.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const out = { text: '' };
  child.stdout!.on('data', (d) => (out.text += d));
  child.stderr!.on('data', (d) => (out.text += d));
  child.once('exit', (code) => (out.text += `\n[exited ${code}]`));
  return { child, out };
}

async function waitFor(out: { text: string }, pattern: RegExp, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (pattern.test(out.text)) return;
    if (out.text.includes('[exited')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${pattern} in time:\n${out.text}`);
}

/** Signs in through a subsystem's /login with Tongmen's password pages (first time: the forced change, R20). */
async function signInThrough(subsystemUrl: string, username: string, password: string) {
  const browser = new FormBrowser();
  await browser.follow(`${subsystemUrl}/login`);
  for (let i = 0; i < 4 && !browser.lastUrl.startsWith(subsystemUrl); i++) {
    if (/name="newPassword"/.test(browser.lastHtml)) await browser.submit({ newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    else await browser.submit({ username, password });
  }
  return browser;
}

describe('running the subsystems', () => {
  it('npm start runs the four demo subsystems beside the identity server; the demo applicant signs in to title', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-subsystems-'));
    dirs.push(dataDir);
    const [port, ...ports] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const urls = ['personnel', 'title', 'talent', 'allocation'].map((s, i) => `${s}=http://localhost:${ports[i]}`).join(',');
    const { child, out } = run(['cli/start.ts'], { DATABASE_URL: '', DATA_DIR: dataDir, PORT: String(port), SUBSYSTEM_URLS: urls, LOG_LEVEL: 'info', NODE_ENV: 'development' });
    await waitFor(out, /"subsystem":"allocation"[^\n]*demo subsystem listening/, 90_000);
    const applicant = /职称申报 \(title applicant\)\n\s+用户名 username: (\S+)\n\s+初始密码 initial password: (\S+)/.exec(out.text)!;
    const title = `http://localhost:${ports[1]}`;
    const browser = await signInThrough(title, applicant[1]!, applicant[2]!);
    expect(browser.lastHtml).toContain('职称在线申报');
    expect(browser.lastHtml).toContain('贵州示范大学');
    expect(fs.statSync(path.join(dataDir, 'demo-subsystem-clients.json')).mode & 0o077).toBe(0);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }, 150_000);

  it('npm run subsystem -- title runs one standalone against a Tongmen named by ISSUER, its secret from the environment', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = await startTestServer({ SUBSYSTEM_URLS: `title=${url}` });
    try {
      const admin = samplePerson('省管理员');
      const root = await bootstrapProvince(server.tongmen.base, server.tongmen.services, { unitName: '测试省人社厅', uscc: sampleUscc(9301), admin });
      const person = samplePerson('省厅经办');
      const actor = (await server.tongmen.services.actors.load(root.admin.accountId))!;
      const op = await server.tongmen.services.accounts.createOperator(actor, person, ['title.applicant'], { requestId: 't' });
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-title-'));
      dirs.push(dataDir);
      const secret = root.clients.find((c) => c.clientId === 'title')!.clientSecret!;
      const { child, out } = run(['cli/subsystem.ts', 'title'], {
        ISSUER: server.url, SUBSYSTEM_URL: url, SUBSYSTEM_HOST: '127.0.0.1', SUBSYSTEM_CLIENT_SECRET: secret, SUBSYSTEM_DATA_DIR: dataDir, LOG_LEVEL: 'info',
      });
      await waitFor(out, /subsystem listening/, 60_000);
      const browser = await signInThrough(url, person.idNumber, op.initialPassword!);
      expect(browser.lastHtml).toContain('职称在线申报');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;

      // Without its secret it does not start, and says which variable is missing.
      const bad = run(['cli/subsystem.ts', 'title'], { ISSUER: server.url, SUBSYSTEM_CLIENT_SECRET: '' });
      await waitFor(bad.out, /\[exited 1\]/, 30_000);
      expect(bad.out.text).toContain('SUBSYSTEM_CLIENT_SECRET');
    } finally {
      await server.close();
    }
  }, 120_000);
});
