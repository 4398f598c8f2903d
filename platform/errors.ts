/**
 * The one error type of Tongmen. Every refusal the product gives carries a stable `code`
 * (e.g. `unit.uscc_invalid`), an HTTP `status` and a human message; `expose` decides whether the
 * message may reach a client (unexpected failures never expose their internals).
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly expose: boolean;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.expose = status < 500;
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(400, code, message, details);
export const unauthorized = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(401, code, message, details);
export const forbidden = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(403, code, message, details);
export const notFound = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(404, code, message, details);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(409, code, message, details);
export const tooManyRequests = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(429, code, message, details);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
