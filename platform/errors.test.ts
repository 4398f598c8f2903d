import { describe, expect, it } from 'vitest';
import { AppError, appError, conflict, isAppError } from './errors.ts';

describe('issue 6 item 5: AppError from the catalogue', () => {
  it('appError takes its status and English message from the catalogue; a throw site may word it more precisely', () => {
    const plain = appError('unit.uscc_taken');
    expect(plain).toBeInstanceOf(AppError);
    expect([plain.status, plain.code, plain.message, plain.expose]).toEqual([409, 'unit.uscc_taken', 'A unit with this code already exists', true]);
    const precise = appError('role.code_taken', { code: 'x' }, 'A role with code x already exists');
    expect([precise.status, precise.message, precise.details]).toEqual([409, 'A role with code x already exists', { code: 'x' }]);
    expect(appError('internal').expose).toBe(false);
  });

  it('the helpers keep their status; isAppError recognises every one', () => {
    const e = conflict('unit.last_admin', 'kept', { rule: 'R6' });
    expect([e.status, e.code, e.details, isAppError(e)]).toEqual([409, 'unit.last_admin', { rule: 'R6' }, true]);
  });
});
