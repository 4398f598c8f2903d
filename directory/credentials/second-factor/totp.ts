import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import { maskSignInName } from '../sign-in-name.ts';
import { badRequest, unauthorized } from '../../../platform/errors.ts';

/**
 * TOTP second factor of R23 (RFC 6238: SHA-1, 6 digits, 30-second steps — what every authenticator
 * app reads from an otpauth:// URI). Pure functions: the caller stores the sealed secret
 * (sealing.ts) and the last accepted step, and passes the time in (tests fix the clock).
 */
export const TOTP_PERIOD = 30;
const DIGITS = 6;
/** ±1 step: a phone clock up to ~30 s off, or a code typed just as it changed, still works. */
const WINDOW_STEPS = 1;
export const DEFAULT_TOTP_ISSUER = '统门 Tongmen';

/** A new Base32 secret of 20 random bytes (160 bits, the RFC 4226 recommendation for SHA-1). */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/**
 * The otpauth:// URI an authenticator app enrols from. The label is the masked sign-in name (R25):
 * the phone's app list and the QR code never carry a full ID number or phone.
 */
export function totpUri(secret: string, signInName: string, issuer: string = DEFAULT_TOTP_ISSUER): string {
  return generateURI({ issuer, label: maskSignInName(signInName), secret, digits: DIGITS, period: TOTP_PERIOD });
}

/** The enrolment QR code as an SVG document, rendered on the server (no third-party QR service sees the secret). */
export async function enrolmentQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/**
 * Checks a 6-digit code at `now` within ±1 step. `lastStep` is the step of the last code this
 * account had accepted (undefined before the first): a code of that step or an earlier one is
 * refused even if it is still inside the window, so an overheard code cannot be replayed (R23).
 * Returns the step to store as the new `lastStep`.
 */
export async function verifyTotp(
  secret: string,
  code: string,
  options: { now: Date; lastStep?: number | undefined },
): Promise<{ step: number }> {
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) throw badRequest('second_factor.code_malformed', 'The code must be 6 digits');
  const result = await verify({
    secret,
    token,
    digits: DIGITS,
    period: TOTP_PERIOD,
    epoch: Math.floor(options.now.getTime() / 1000),
    epochTolerance: WINDOW_STEPS * TOTP_PERIOD,
  });
  // The TOTP strategy's result carries the matched step; the union type also covers HOTP.
  if (!result.valid || !('timeStep' in result)) throw unauthorized('second_factor.code_invalid', 'The code is wrong or expired');
  if (options.lastStep !== undefined && result.timeStep <= options.lastStep) {
    throw unauthorized('second_factor.code_reused', 'This code (or a later one) was already used');
  }
  return { step: result.timeStep };
}
