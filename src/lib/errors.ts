/**
 * The worker's small error vocabulary.
 *
 * Every failure that reaches a caller is one of these: a public code and message that are safe to
 * show, an internal detail that only goes to the log, and whether an operator should be alerted.
 * `toResponse` is the single place where they become HTTP answers.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly publicMessage: string,
    readonly detail?: string,
    readonly alert = false,
    readonly extra?: Record<string, unknown>,
  ) {
    super(code);
  }
}

/** The JSON body every error answer carries. */
export function errorBody(code: string, message: string, extra?: Record<string, unknown>) {
  return { error: { code, message, ...extra } };
}

export const errors = {
  badSignature: (detail: string) =>
    new AppError(400, 'invalid_signature', 'Webhook signature verification failed.', detail),
  notAnEvent: (detail: string) =>
    new AppError(400, 'invalid_event', 'Body is not a Stripe event.', detail),
  notConfigured: (what: string) =>
    new AppError(503, 'not_configured', 'This endpoint is not configured.', what, true),
  database: (detail: string) =>
    new AppError(500, 'internal_error', 'Temporary failure; retry later.', detail, true),
  notFound: (what: string) => new AppError(404, 'not_found', `${what} not found.`),
  invalidInput: (message: string, extra?: Record<string, unknown>) =>
    new AppError(422, 'invalid_request', message, undefined, false, extra),
  conflict: (message: string) => new AppError(409, 'conflict', message),
};
