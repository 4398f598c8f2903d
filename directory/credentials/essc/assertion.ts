import { z } from 'zod';

/**
 * The e-SSC sign-in assertion (R22). The card app, after the person scanned the sign-in page's QR
 * code and confirmed, posts a compact JWS (RFC 7515):
 *
 *   header  {"alg": "ES256" | "RS256" | …, "typ": "essc-assertion+jwt"}
 *   payload {"ticket": "<the QR code's ticket>", "idNumber": "<18-character citizen ID>",
 *            "name": "<name as on the card>", "issuedAt": <seconds since the epoch, integer>}
 *
 * signed with the card app's key, whose public half the server is configured with
 * (ESSC_PUBLIC_KEY). The `typ` keeps any other token signed with the same key from passing as an
 * assertion.
 */
export const ESSC_ASSERTION_TYPE = 'essc-assertion+jwt';

/** Longest assertion read (an RSA-4096 signature and the claims fit well within). */
export const MAX_ASSERTION_LENGTH = 8192;

export interface EsscClaims {
  ticket: string;
  idNumber: string;
  name: string;
  /** Seconds since the epoch. */
  issuedAt: number;
}

/** What a verified assertion tells the sign-in step: the person to match and the ticket to consume. */
export interface VerifiedEsscAssertion {
  ticket: string;
  /** Upper-case check character (`…123X`). */
  idNumber: string;
  name: string;
  issuedAt: Date;
  /** The JWS `alg` it was signed with. */
  algorithm: string;
  /** SHA-256 (hex) of the compact assertion: a stable id for refusing a replayed assertion. */
  assertionId: string;
}

/** What a ticket id looks like (base64url); anything else names no ticket and is never looked up. */
export const TICKET_FORMAT = /^[A-Za-z0-9_-]{16,128}$/;

export const claimsSchema = z.object({
  ticket: z.string().regex(TICKET_FORMAT),
  idNumber: z
    .string()
    .regex(/^\d{17}[\dXx]$/)
    .transform((s) => s.toUpperCase()),
  name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[^\p{Cc}]+$/u),
  issuedAt: z.number().int().nonnegative(),
});
