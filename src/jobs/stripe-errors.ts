/**
 * What a failed Stripe call means for a reconcile run.
 *
 * Three consequences, and every kind has exactly one:
 * - `stop`: the rest of the run would fail the same way (rate limited, our key refused), so the
 *   run ends and the invoices not reached are first next time;
 * - `retry`: a fault of this moment (5xx, network, timeout, an answer we could not use); counted,
 *   and the invoice stays first in line for the next run;
 * - `backoff`: an answer about this invoice that retrying every 15 minutes won't change (Stripe
 *   does not know the invoice, the account no longer grants access); recorded on the invoice,
 *   which is skipped for a doubling back-off.
 */
import Stripe from 'stripe';
import { redact } from '../lib/log.ts';

export type FailureKind =
  | 'rate_limited'
  | 'authentication'
  | 'server_error'
  | 'network'
  | 'timeout'
  | 'invalid_response'
  | 'not_found'
  | 'account_access'
  | 'rejected';

export type Consequence = 'stop' | 'retry' | 'backoff';

export interface Failure {
  kind: FailureKind;
  consequence: Consequence;
  /** Safe to store and log: Stripe's own message (keys masked), or ours. */
  reason: string;
  status: number | null;
}

const CONSEQUENCE: Record<FailureKind, Consequence> = {
  rate_limited: 'stop',
  authentication: 'stop',
  server_error: 'retry',
  network: 'retry',
  timeout: 'retry',
  invalid_response: 'retry',
  not_found: 'backoff',
  account_access: 'backoff',
  rejected: 'backoff',
};

// Stripe's wording when a platform key may no longer act for a connected account.
const NO_ACCESS = /does not have access to account|application access may have been revoked/i;

const MAX_REASON = 300;

/** A failure of `kind` with a reason cut to a storable length, with anything key-shaped masked. */
export function failure(kind: FailureKind, reason: string, status: number | null = null): Failure {
  return {
    kind,
    consequence: CONSEQUENCE[kind],
    reason: redact(reason).slice(0, MAX_REASON),
    status,
  };
}

function kindOf(err: InstanceType<typeof Stripe.errors.StripeError>): FailureKind {
  const status = err.statusCode ?? null;
  const code = err.code ?? '';

  if (err instanceof Stripe.errors.StripeRateLimitError || status === 429) return 'rate_limited';
  if (err instanceof Stripe.errors.StripeConnectionError) {
    return /timeout/i.test(err.message) ? 'timeout' : 'network';
  }
  if (code === 'account_invalid' || err instanceof Stripe.errors.StripePermissionError) {
    return 'account_access';
  }
  if (err instanceof Stripe.errors.StripeAuthenticationError) {
    // A 401 naming the connected account is about that account; any other means our key is bad.
    return NO_ACCESS.test(err.message) ? 'account_access' : 'authentication';
  }
  if (status === 404) return 'not_found';
  if (status !== null && status >= 500) return 'server_error';
  if (status !== null && status >= 400) return 'rejected';
  return 'server_error';
}

/** Classifies whatever `invoices.retrieve` threw. */
export function classifyStripeError(err: unknown): Failure {
  if (err instanceof Stripe.errors.StripeError) {
    const kind = kindOf(err);
    const code = err.code ? ` (${err.code})` : '';
    return failure(kind, `${err.message}${code}`, err.statusCode ?? null);
  }

  // The fetch client wraps network faults; anything else thrown is still this call's failure.
  const message = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
  return failure('network', message);
}
