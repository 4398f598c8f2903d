import { errorEntry, type CodeWithStatus, type ErrorCode, type StatusOf } from './error-codes/index.ts';

export type { ErrorCode } from './error-codes/index.ts';

type Details = Record<string, unknown>;

/**
 * The one error type of Tongmen. Every refusal the product gives carries a stable `code`
 * (e.g. `unit.uscc_invalid`) from the catalogue in `error-codes/`, the HTTP `status` the catalogue
 * gives that code (checked by the compiler for a literal code, and by test/error-catalogue.test.ts
 * for every throw site), and a message; `expose` decides whether the message may reach a client
 * (unexpected failures never expose their internals). The message given here is the English one;
 * the error responder answers the catalogue's zh-CN message unless the client asks for English.
 */
export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly status: number;
  readonly details: Details | undefined;
  readonly expose: boolean;

  constructor(status: StatusOf<C>, code: C, message: string, details?: Details) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.expose = status < 500;
  }
}

/** An error with its status and English message from the catalogue; `message` overrides the English text. */
export const appError = <C extends ErrorCode>(code: C, details?: Details, message?: string) =>
  new AppError<C>(errorEntry(code).status as StatusOf<C>, code, message ?? errorEntry(code).en, details);

export const badRequest = (code: CodeWithStatus<400>, message: string, details?: Details) => new AppError(400, code, message, details);
export const unauthorized = (code: CodeWithStatus<401>, message: string, details?: Details) => new AppError(401, code, message, details);
export const forbidden = (code: CodeWithStatus<403>, message: string, details?: Details) => new AppError(403, code, message, details);
export const notFound = (code: CodeWithStatus<404>, message: string, details?: Details) => new AppError(404, code, message, details);
export const conflict = (code: CodeWithStatus<409>, message: string, details?: Details) => new AppError(409, code, message, details);
export const tooManyRequests = (code: CodeWithStatus<429>, message: string, details?: Details) => new AppError(429, code, message, details);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
