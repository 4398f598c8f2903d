import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SUBSYSTEMS, type Subsystem } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { createSubsystem, listen } from '../subsystems/index.ts';
import { openSqlRunner } from '../subsystems/kit/store.ts';

type Clients = Array<{ clientId: string; clientSecret?: string }>;

const SECRETS_FILE = 'demo-subsystem-clients.json';

/**
 * The demo's four subsystems beside the identity server (`npm start` on the embedded database):
 * each a relying party on its own port (SUBSYSTEM_URLS), with the client secret bootstrap made
 * when the demo was loaded. Those secrets are shown once, so the demo keeps them in DATA_DIR
 * (mode 0600, beside the database that holds them anyway) for the next start. The four share one
 * embedded PGlite of their own (DATA_DIR/subsystems), each in its own schema, never Tongmen's.
 * A port in use only skips that subsystem, with a warning.
 */
export async function startDemoSubsystems(o: {
  issuer: string;
  dataDir: string;
  subsystemUrls: Record<Subsystem, string>;
  clients: Clients | undefined;
  logger: Logger;
}): Promise<() => Promise<void>> {
  const inMemory = o.dataDir === 'memory://';
  const file = path.join(o.dataDir, SECRETS_FILE);
  let clients = o.clients;
  if (clients && !inMemory) fs.writeFileSync(file, JSON.stringify(clients.map((c) => ({ clientId: c.clientId, clientSecret: c.clientSecret }))), { mode: 0o600 });
  if (!clients && !inMemory && fs.existsSync(file)) clients = JSON.parse(fs.readFileSync(file, 'utf8')) as Clients;
  if (!clients) {
    o.logger.info('demo subsystems not started: no demo client secrets (run one with `npm run subsystem -- <name>`)');
    return async () => {};
  }
  const runner = await openSqlRunner({ dataDir: inMemory ? undefined : path.join(o.dataDir, 'subsystems') });
  const cookieKeys = [crypto.randomBytes(32).toString('base64url')];
  const stops: Array<() => Promise<void>> = [];
  for (const s of SUBSYSTEMS) {
    const secret = clients.find((c) => c.clientId === s)?.clientSecret;
    if (!secret) continue;
    const url = new URL(o.subsystemUrls[s]);
    try {
      const made = await createSubsystem(s, { issuer: o.issuer, clientId: s, clientSecret: secret, url: o.subsystemUrls[s], cookieKeys, runner });
      const running = await listen(made.app, Number(url.port || 80), url.hostname === 'localhost' ? '127.0.0.1' : url.hostname);
      stops.push(running.close, made.close);
      o.logger.info({ subsystem: s, url: o.subsystemUrls[s] }, 'demo subsystem listening');
    } catch (err) {
      o.logger.warn({ subsystem: s, err }, 'demo subsystem not started');
    }
  }
  return async () => {
    for (const stop of stops) await stop();
    await runner.close();
  };
}
