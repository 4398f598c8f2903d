/**
 * Whether an error means the database cannot be reached right now (issue 12 suite 6: PostgreSQL
 * restarting, a failover, a dropped connection) rather than that the request or the code is wrong.
 * Sequelize reports a refused or lost connection as a `Sequelize*Connection*Error`; a query cut by
 * the server shutting down arrives as a DatabaseError whose cause is the driver's error, with
 * SQLSTATE class 08 (connection exception) or 57P01–57P03 (admin/crash shutdown, cannot connect
 * now), or the driver's own "Connection terminated" when the socket closed under it. The
 * transaction of such a request never committed (or its commit was never acknowledged by the
 * server, which then rolls it back), so answering 503 and retrying later is safe.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { name?: unknown; code?: unknown; message?: unknown; parent?: unknown; original?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.name === 'string' && /^Sequelize\w*Connection\w*Error$/.test(e.name)) return true;
    if (typeof e.code === 'string' && (/^08/.test(e.code) || ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET'].includes(e.code))) return true;
    if (typeof e.message === 'string' && /^Connection terminated|Client has encountered a connection error/.test(e.message)) return true;
    e = (e.parent ?? e.original ?? e.cause) as typeof e;
  }
  return false;
}
