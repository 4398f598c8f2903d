import pg from 'pg';
import type { Logger } from '../logger.ts';

/**
 * One PostgreSQL connection LISTENing on a channel, for in-process views that must follow changes
 * made by any node (issue 11). It reports each notification and whether it is `synced`: connected,
 * listening, and its last heartbeat answered recently. Notifications are reliable only while that
 * holds, so a view trusts what it keeps only when `synced()`; on any loss the feed reports
 * `onDesync` (drop everything), reconnects, and reports `synced` again only once listening.
 */
export interface ChangeFeed {
  synced(): boolean;
  close(): Promise<void>;
}

export interface ChangeFeedOptions {
  url: string;
  channel: string;
  logger: Logger;
  onChange(payload: string): void;
  onDesync(): void;
  /** Heartbeat period; no answer for four periods (1 s) is a lost connection. */
  heartbeatMs?: number;
}

/** How the feed's connection shows in pg_stat_activity (operators, and the fault test, find it by this). */
export const CHANGE_FEED_APPLICATION = 'tongmen-change-feed';

export function openChangeFeed(o: ChangeFeedOptions): ChangeFeed {
  const heartbeatMs = o.heartbeatMs ?? 250;
  // A connection that died silently is noticed within this: below the 1 s SPEC gives offboarding.
  const staleAfterMs = 4 * heartbeatMs;
  let client: pg.Client | undefined;
  let listening = false;
  let lastPong = 0;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const desync = (why: string, err?: unknown) => {
    const was = listening;
    listening = false;
    o.onDesync();
    const c = client;
    client = undefined;
    c?.removeAllListeners();
    c?.on('error', () => {});
    c?.end().catch(() => {});
    if (closed) return;
    if (was) o.logger.warn({ err, why }, 'change feed lost; in-process views read through until it is back');
    retry ??= setTimeout(() => {
      retry = undefined;
      void connect();
    }, 1000);
  };

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: o.url, keepAlive: true, application_name: CHANGE_FEED_APPLICATION });
    client = c;
    c.on('error', (err) => desync('error', err));
    c.on('end', () => desync('end'));
    c.on('notification', (n) => {
      if (n.channel === o.channel) o.onChange(n.payload ?? '');
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${o.channel}`);
      if (closed || client !== c) return void c.end().catch(() => {});
      // Whatever changed before LISTEN took effect was never announced to this view.
      o.onDesync();
      lastPong = Date.now();
      listening = true;
    } catch (err) {
      if (client === c) desync('connect', err);
    }
  };

  const heartbeat = setInterval(() => {
    const c = client;
    if (!c || !listening) return;
    if (Date.now() - lastPong > staleAfterMs) return desync('heartbeat');
    c.query('SELECT 1').then(
      () => {
        if (client === c) lastPong = Date.now();
      },
      (err: unknown) => {
        if (client === c) desync('heartbeat', err);
      },
    );
  }, heartbeatMs);
  heartbeat.unref();
  void connect();

  return {
    synced: () => listening && Date.now() - lastPong <= staleAfterMs,
    async close() {
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(retry);
      listening = false;
      const c = client;
      client = undefined;
      c?.removeAllListeners();
      c?.on('error', () => {});
      await c?.end().catch(() => {});
    },
  };
}
