import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * `npm test`'s first step: the sign-in suites drive Debian's Chromium (never a downloaded browser
 * build), so a fresh machine gets it from Debian's packages when it can (root with apt-get), and is
 * told plainly what to install otherwise.
 */
const CHROMIUM = '/usr/bin/chromium';

const run = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;

if (!fs.existsSync(CHROMIUM)) {
  const canInstall = process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  process.stderr.write(`${CHROMIUM} is missing: the sign-in test suites drive Debian's chromium.\n`);
  if (!canInstall || !run('apt-get', ['update', '-qq']) || !run('apt-get', ['install', '-y', '-qq', 'chromium'])) {
    process.stderr.write("Install it with: sudo apt-get install chromium (Debian's package; no browser is downloaded).\n");
    process.exit(1);
  }
}
