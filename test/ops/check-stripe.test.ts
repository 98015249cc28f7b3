import { describe, expect, it } from 'vitest';
import { codes, ops } from '../helpers/ops.ts';
import { standIn, type Route } from '../helpers/stripe-stand-in.ts';

const WORKER_URL = 'https://worker.test/stripe/webhook';
const STATUS_EVENTS = [
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'invoice.voided',
  'invoice.marked_uncollectible',
];

/** A webhook endpoint as Stripe's list returns it (no secret: Stripe only shows it at creation). */
function endpoint(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    object: 'webhook_endpoint',
    api_version: '2026-07-29.dahlia',
    application: null,
    created: 1_790_000_000,
    description: null,
    enabled_events: STATUS_EVENTS,
    livemode: false,
    metadata: {},
    status: 'enabled',
    url: WORKER_URL,
    ...overrides,
  };
}

const balance: Route = {
  method: 'GET',
  path: '/v1/balance',
  body: { object: 'balance', available: [], pending: [], livemode: false },
};

const list = (data: unknown[]): Route => ({
  method: 'GET',
  path: '/v1/webhook_endpoints',
  body: { object: 'list', url: '/v1/webhook_endpoints', has_more: false, data },
});

async function checkWith(routes: Route[]) {
  const stripe = await standIn(routes);
  const res = await ops('/ops/check?stripe=1', { overrides: stripe.env });
  await stripe.expectNoSurprises();
  return { res, stripe };
}

describe('GET /ops/check?stripe=1', () => {
  it('is healthy with an enabled platform and Connect endpoint, both pinned and subscribed', async () => {
    const { res, stripe } = await checkWith([
      balance,
      list([
        endpoint('we_platform', { connect: false }),
        endpoint('we_connect', { connect: true, enabled_events: ['*'] }),
        endpoint('we_elsewhere', { url: 'https://other.example/hooks', connect: false }),
      ]),
    ]);

    expect(res.status).toBe(200);
    expect(res.body.stripe).toEqual({
      key_ok: true,
      webhook_url: WORKER_URL,
      endpoints: [
        expect.objectContaining({ id: 'we_platform', connect: false, missing_events: [] }),
        expect.objectContaining({ id: 'we_connect', connect: true, missing_events: [] }),
      ],
      other_endpoints: [{ id: 'we_elsewhere', url: 'https://other.example/hooks' }],
    });
    expect(codes(res.body).filter((code) => code.startsWith('stripe.'))).toEqual([]);

    const seen = await stripe.requests();
    expect(seen.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'GET /v1/balance',
      'GET /v1/webhook_endpoints',
    ]);
    expect(seen.every((r) => r.authorization === `Bearer ${stripe.key}`)).toBe(true);
    expect(seen.every((r) => r.stripeAccount === null)).toBe(true);
  });

  it('turns an endpoint with missing fields into findings, not a 500', async () => {
    const { res } = await checkWith([
      balance,
      list([
        endpoint('we_platform', { connect: false, enabled_events: undefined }),
        endpoint('we_broken', { url: null, status: null }),
      ]),
    ]);

    expect(res.status).toBe(503);
    expect(codes(res.body)).toContain('stripe.endpoint_missing_events');
    expect(res.body.stripe.other_endpoints).toEqual([{ id: 'we_broken', url: '' }]);
  });

  it('reports a disabled Connect endpoint as an error', async () => {
    const { res } = await checkWith([
      balance,
      list([
        endpoint('we_platform', { connect: false }),
        endpoint('we_connect', { connect: true, status: 'disabled' }),
      ]),
    ]);

    expect(res.status).toBe(503);
    expect(codes(res.body)).toEqual(
      expect.arrayContaining(['stripe.endpoint_disabled', 'stripe.no_connect_endpoint']),
    );
  });

  it('names the status events an endpoint is missing', async () => {
    const { res } = await checkWith([
      balance,
      list([
        endpoint('we_platform', { connect: false }),
        endpoint('we_connect', {
          connect: true,
          enabled_events: ['invoice.paid', 'invoice.payment_failed', 'customer.created'],
        }),
      ]),
    ]);

    expect(res.status).toBe(503);
    expect(res.body.findings).toContainEqual(
      expect.objectContaining({
        code: 'stripe.endpoint_missing_events',
        details: {
          endpoint: 'we_connect',
          missing: ['invoice.payment_succeeded', 'invoice.voided', 'invoice.marked_uncollectible'],
        },
      }),
    );
  });

  it('warns about an endpoint with no pinned API version', async () => {
    const { res } = await checkWith([
      balance,
      list([
        endpoint('we_platform', { connect: false }),
        endpoint('we_connect', { connect: true, api_version: null }),
      ]),
    ]);

    expect(res.status).toBe(200);
    expect(res.body.findings).toContainEqual(
      expect.objectContaining({
        code: 'stripe.endpoint_api_version_unpinned',
        severity: 'warning',
        details: { endpoint: 'we_connect' },
      }),
    );
  });

  it('reports that no endpoint points at the worker', async () => {
    const { res } = await checkWith([
      balance,
      list([endpoint('we_elsewhere', { url: 'https://old.example/stripe/webhook/' })]),
    ]);

    expect(res.status).toBe(503);
    expect(codes(res.body)).toContain('stripe.no_endpoint');
  });

  it('matches the predecessor’s trailing-slash URL and says when Connect cannot be told', async () => {
    const { res } = await checkWith([
      balance,
      list([endpoint('we_old', { url: `${WORKER_URL}/` })]),
    ]);

    expect(res.body.stripe.endpoints).toHaveLength(1);
    expect(codes(res.body)).toContain('stripe.connect_unknown');
    expect(res.status).toBe(200);
  });

  it('reports a rejected key as a finding, not a crash', async () => {
    const unauthorized = {
      status: 401,
      body: {
        error: {
          type: 'invalid_request_error',
          message: 'Invalid API Key provided: sk_test_****1234',
        },
      },
    };
    const { res } = await checkWith([
      { method: 'GET', path: '/v1/balance', ...unauthorized },
      { method: 'GET', path: '/v1/webhook_endpoints', ...unauthorized },
    ]);

    expect(res.status).toBe(503);
    expect(res.body.stripe.key_ok).toBe(false);
    expect(res.body.findings).toContainEqual(
      expect.objectContaining({
        code: 'stripe.key_failed',
        severity: 'error',
        details: expect.objectContaining({ status: 401 }),
      }),
    );
    expect(JSON.stringify(res.body)).not.toContain('****');
  });

  it('accepts a restricted key that may not read the balance', async () => {
    const { res } = await checkWith([
      {
        method: 'GET',
        path: '/v1/balance',
        status: 403,
        body: {
          error: {
            type: 'invalid_request_error',
            message: 'The provided key does not have the required permissions',
          },
        },
      },
      list([
        endpoint('we_platform', { connect: false }),
        endpoint('we_connect', { connect: true }),
      ]),
    ]);

    expect(res.status).toBe(200);
    expect(res.body.stripe.key_ok).toBe(true);
    expect(codes(res.body)).toContain('stripe.key_restricted');
  });

  it('reports a Stripe server error on the endpoint list as a warning', async () => {
    const { res } = await checkWith([
      balance,
      {
        method: 'GET',
        path: '/v1/webhook_endpoints',
        status: 500,
        body: { error: { type: 'api_error', message: 'Something went wrong on Stripe’s end.' } },
      },
    ]);

    expect(res.status).toBe(200);
    expect(res.body.findings).toContainEqual(
      expect.objectContaining({
        code: 'stripe.endpoints_failed',
        severity: 'warning',
        details: expect.objectContaining({ type: 'api_error', status: 500 }),
      }),
    );
  });

  it('reports a Stripe that cannot be reached', async () => {
    const { res } = await checkWith([
      { method: 'GET', path: '/v1/balance', drop: true },
      { method: 'GET', path: '/v1/webhook_endpoints', drop: true },
    ]);

    expect(codes(res.body)).toEqual(
      expect.arrayContaining(['stripe.key_failed', 'stripe.endpoints_failed']),
    );
  });

  it('is an error without STRIPE_SECRET_KEY, and asks nobody', async () => {
    const res = await ops('/ops/check?stripe=1', { overrides: { STRIPE_SECRET_KEY: '' } });

    expect(res.status).toBe(503);
    expect(codes(res.body)).toContain('stripe.key_missing');
    expect(res.body.stripe).toBeNull();
  });
});
