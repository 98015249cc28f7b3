import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BATCH_SIZE,
  backoffMs,
  readReconcileSettings,
} from '../../src/jobs/reconcile-config.ts';
import { classifyStripeError } from '../../src/jobs/stripe-errors.ts';

const HOUR = 3_600_000;

describe('reconcile settings', () => {
  it('defaults to a 60-minute threshold and a batch of 20', () => {
    const settings = readReconcileSettings({});
    expect(settings.staleAfterMs).toBe(60 * 60_000);
    expect(settings.batchSize).toBe(DEFAULT_BATCH_SIZE);
    expect(settings.concurrency).toBe(6);
  });

  it.each(['', 'abc', '-5', '0', '1.5'])('ignores a bad value (%j)', (value) => {
    const settings = readReconcileSettings({
      RECONCILE_BATCH_SIZE: value,
      RECONCILE_STALE_AFTER_MINUTES: value,
    });
    expect(settings.batchSize).toBe(20);
    expect(settings.staleAfterMs).toBe(60 * 60_000);
  });

  it('reads good values, trimmed, and caps the batch', () => {
    expect(readReconcileSettings({ RECONCILE_BATCH_SIZE: ' 45 ' }).batchSize).toBe(45);
    expect(readReconcileSettings({ RECONCILE_BATCH_SIZE: '99999' }).batchSize).toBe(1000);
    expect(readReconcileSettings({ RECONCILE_STALE_AFTER_MINUTES: '15' }).staleAfterMs).toBe(
      15 * 60_000,
    );
  });

  it('the back-off doubles from 6 hours and stops at 7 days', () => {
    const settings = readReconcileSettings({});
    expect([1, 2, 3, 6, 50].map((n) => backoffMs(settings, n) / HOUR)).toEqual([
      6, 12, 24, 168, 168,
    ]);
  });
});

describe('Stripe errors', () => {
  const raw = (statusCode: number, message: string, code?: string) => ({
    statusCode,
    message,
    code,
    type: 'invalid_request_error' as const,
  });

  it.each([
    [new Stripe.errors.StripeRateLimitError(raw(429, 'slow down')), 'rate_limited', 'stop'],
    [new Stripe.errors.StripeAPIError(raw(502, 'bad gateway')), 'server_error', 'retry'],
    [
      new Stripe.errors.StripeInvalidRequestError(raw(404, 'No such invoice', 'resource_missing')),
      'not_found',
      'backoff',
    ],
    [new Stripe.errors.StripePermissionError(raw(403, 'no access')), 'account_access', 'backoff'],
    [
      new Stripe.errors.StripeInvalidRequestError(raw(400, 'bad account', 'account_invalid')),
      'account_access',
      'backoff',
    ],
    [
      new Stripe.errors.StripeAuthenticationError(raw(401, 'Invalid API Key provided')),
      'authentication',
      'stop',
    ],
    [
      new Stripe.errors.StripeInvalidRequestError(raw(400, 'Invalid parameter')),
      'rejected',
      'backoff',
    ],
    [
      new Stripe.errors.StripeConnectionError({
        message: 'Request aborted due to timeout being reached (8000ms)',
      }),
      'timeout',
      'retry',
    ],
    [
      new Stripe.errors.StripeConnectionError({
        message: 'An error occurred with our connection to Stripe.',
      }),
      'network',
      'retry',
    ],
    [new TypeError('fetch failed'), 'network', 'retry'],
  ])('%s is %s (%s)', (err, kind, consequence) => {
    expect(classifyStripeError(err)).toMatchObject({ kind, consequence });
  });

  it('masks anything shaped like a key in the stored reason', () => {
    const err = new Stripe.errors.StripePermissionError(
      raw(403, "The provided key 'sk_test_abcdef123456' does not have access to account 'acct_1'"),
    );
    expect(classifyStripeError(err).reason).not.toMatch(/abcdef/);
  });
});
