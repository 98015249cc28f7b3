import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { stripeFailure } from '../../src/stripe/send-invoice.ts';

const KEY = 'client-key-123';

const generate = (raw: Record<string, unknown>) =>
  Stripe.errors.StripeError.generate(
    raw as Parameters<typeof Stripe.errors.StripeError.generate>[0],
  );

describe('what a Stripe error means for a send', () => {
  it.each([
    [400, 'invalid_request_error', 'parameter_missing', false],
    [402, 'card_error', 'card_declined', false],
    [403, 'invalid_request_error', 'account_invalid', false],
    [404, 'invalid_request_error', 'resource_missing', false],
    [409, 'invalid_request_error', 'lock_timeout', true],
    [429, 'invalid_request_error', 'rate_limit', true],
    [500, 'api_error', undefined, true],
  ] as const)('a %i %s (%s) is retryable: %s', (statusCode, type, code, retryable) => {
    const failure = stripeFailure(generate({ statusCode, type, code, message: 'm' }), KEY);
    expect(failure).toEqual({ code: code ?? type, message: 'm', retryable });
  });

  it('treats no answer as retryable', () => {
    const error = new Stripe.errors.StripeConnectionError({ message: 'socket hang up' });
    expect(stripeFailure(error, KEY)).toMatchObject({
      code: 'stripe_unreachable',
      retryable: true,
    });
    expect(stripeFailure(new TypeError('fetch failed'), KEY)).toMatchObject({
      code: 'stripe_unreachable',
      retryable: true,
    });
  });

  it('takes keys out of the message: the platform key and the idempotency key', () => {
    const message =
      "Invalid API Key provided: sk_live_****abcd; rk_test_51abc also; keys for idempotent requests can only be used with the same parameters. Try a key other than 'client-key-123:invoice'.";
    const failure = stripeFailure(
      generate({ statusCode: 400, type: 'idempotency_error', message }),
      KEY,
    );

    expect(failure.message).not.toMatch(/sk_live|rk_test|client-key-123/);
    expect(failure.message).toContain('[redacted key]');
    expect(failure.message).toContain('[idempotency key]:invoice');
    expect(failure.code).toBe('idempotency_error');
    expect(failure.retryable).toBe(false);
  });
});
