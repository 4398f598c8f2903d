import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('logger (R25: no ID numbers, phones or secrets in logs)', () => {
  it('redacts the statement text and values of a failed database query (a sign-in lookup carries the raw name)', async () => {
    // Exactly what Sequelize throws when a statement with inlined replacements fails (a failover, a
    // timeout…): the text and values sit on the error and on the driver error it wraps.
    const script = `
      import { DatabaseError } from 'sequelize';
      import { createLogger } from ${JSON.stringify(pathToFileURL(path.join(here, 'logger.ts')).href)};
      const driver = Object.assign(new Error('terminating connection due to administrator command'), {
        sql: "SELECT c.id FROM accounts a JOIN credentials c ON c.account_id = a.id WHERE a.username = '13912345678'",
        parameters: ['13912345678', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA'],
      });
      createLogger('info').error({ err: new DatabaseError(driver), requestId: 'r1' }, 'sign-in page failed');
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.join(here, '..'),
    });
    const line = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(line.msg).toBe('sign-in page failed');
    expect(line.err.message).toContain('terminating connection');
    expect(stdout).not.toContain('13912345678');
    expect(stdout).not.toContain('$argon2id$');
  });
});
