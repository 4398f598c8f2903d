/**
 * Mainland China mobile phone numbers of real-name persons (R8).
 */
import { badRequest } from '../../platform/errors.ts';

const MOBILE = /^1[3-9]\d{9}$/;

/**
 * Parses a mainland mobile number (R8): trims it, removes spaces and dashes and an optional `+86`
 * country prefix, then requires 11 digits matching `1[3-9]\d{9}`.
 * @returns the normalized 11-digit number, e.g. `13512342210`
 * @throws AppError 400 `person.phone_invalid` (the message does not repeat the number: personal data, R25)
 */
export function parsePhone(input: string): string {
  let value = input.trim().replace(/[\s-]/g, '');
  if (value.startsWith('+86')) value = value.slice(3);
  if (!MOBILE.test(value)) {
    throw badRequest(
      'person.phone_invalid',
      'Phone must be an 11-digit mainland mobile number starting with 13-19 (an optional +86 prefix is allowed)',
    );
  }
  return value;
}
