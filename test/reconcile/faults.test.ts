import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { stripeError, stripeInvoice } from '../factories/stripe-invoices.ts';
import { captureLogs, entries } from '../helpers/logs.ts';
import {
  ACCOUNT,
  ageInvoice,
  invoiceRow,
  resetTables,
  retrieveRoute,
  runJob,
  runScheduled,
  runs,
} from '../helpers/reconcile.ts';
import { standIn, type Route } from '../helpers/stripe-stand-in.ts';
import { newInvoiceId, readInvoice, track } from '../helpers/worker.ts';

const logs = captureLogs();
beforeEach(resetTables);

/** `count` tracked, stale invoices, oldest first. */
async function staleInvoices(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const invoice = newInvoiceId();
    await track(invoice, ACCOUNT);
    await ageInvoice(invoice, 300 - i);
    ids.push(invoice);
  }
  return ids;
}

const HOUR = 3_600_000;

describe('a rate limit', () => {
  it('a 429 stops the run and leaves the rest, first, for the next', async () => {
    const [first, second, third] = await staleInvoices(3);
    const stripe = await standIn([
      retrieveRoute(
        first!,
        stripeError('invalid_request_error', 'Too many requests', 'rate_limit'),
        {
          status: 429,
        },
      ),
    ]);

    await runJob(stripe.key, { concurrency: 1 });

    const [run] = await runs();
    expect(run).toMatchObject({ stopped_reason: 'rate_limited', examined: 1, changed: 0 });
    expect(run?.errors).toEqual({ rate_limited: 1 });
    expect((await stripe.requests()).map((r) => r.path)).toEqual([`/v1/invoices/${first}`]);
    await stripe.expectNoSurprises();

    // Nothing about the three was marked: the next run starts with them, oldest first.
    for (const invoice of [first!, second!, third!]) {
      expect((await invoiceRow(invoice)).reconcile_checked_at).toBeNull();
    }
    await stripe.script(
      [first!, second!, third!].map((id) => retrieveRoute(id, stripeInvoice(id, 'paid'))),
    );
    await runJob(stripe.key, { concurrency: 1 });
    expect((await stripe.requests()).map((r) => r.path)).toEqual(
      [first, second, third].map((id) => `/v1/invoices/${id}`),
    );
    expect((await readInvoice(third!)).status).toBe('paid');
  });
});

describe('faults of the moment are counted and retried next run', () => {
  const cases: { name: string; kind: string; route: (id: string) => Route; timeoutMs?: number }[] =
    [
      {
        name: 'a 500',
        kind: 'server_error',
        route: (id) =>
          retrieveRoute(id, stripeError('api_error', 'Something went wrong'), { status: 500 }),
      },
      {
        name: 'a 503',
        kind: 'server_error',
        route: (id) => retrieveRoute(id, { error: { type: 'api_error' } }, { status: 503 }),
      },
      {
        name: 'a dropped connection',
        kind: 'network',
        route: (id) => retrieveRoute(id, {}, { drop: true }),
      },
      {
        name: 'an answer slower than the timeout',
        kind: 'timeout',
        route: (id) => retrieveRoute(id, stripeInvoice(id, 'paid'), { delayMs: 1_500 }),
        timeoutMs: 200,
      },
    ];

  it.each(cases)('$name', async ({ kind, route, timeoutMs }) => {
    const [invoice] = await staleInvoices(1);
    const stripe = await standIn([route(invoice!)]);

    await runJob(stripe.key, timeoutMs ? { requestTimeoutMs: timeoutMs } : {});

    const [run] = await runs();
    expect(run).toMatchObject({ stopped_reason: null, examined: 1, changed: 0 });
    expect(run?.errors).toEqual({ [kind]: 1 });

    const row = await invoiceRow(invoice!);
    expect(row).toMatchObject({
      status: 'pending',
      reconcile_error: kind,
      reconcile_backoff_until: null,
    });
    // Stamped as checked exactly one stale window ago: eligible again at once, behind the rest.
    expect(row.reconcile_checked_at).toBeLessThanOrEqual(Date.now() - HOUR);
    const failed = entries(logs.lines).find((entry) => entry.msg === 'reconcile.failed');
    expect(failed).toMatchObject({ invoice, account: ACCOUNT, kind, consequence: 'retry' });

    // The next run asks again, and this time Stripe answers.
    await stripe.script([retrieveRoute(invoice!, stripeInvoice(invoice!, 'paid'))]);
    await runJob(stripe.key);
    expect(await invoiceRow(invoice!)).toMatchObject({ status: 'paid', reconcile_error: null });
  });

  it('one failing invoice does not keep the others from settling', async () => {
    const [bad, good] = await staleInvoices(2);
    const stripe = await standIn([
      retrieveRoute(bad!, stripeError('api_error', 'boom'), { status: 500 }),
      retrieveRoute(good!, stripeInvoice(good!, 'void')),
    ]);

    await runScheduled(stripe.env);

    expect((await readInvoice(good!)).status).toBe('void');
    expect((await runs())[0]).toMatchObject({
      examined: 2,
      changed: 1,
      errors: { server_error: 1 },
    });
  });
});

describe('answers that retrying will not change are recorded and backed off', () => {
  const cases = [
    {
      name: 'an invoice id Stripe does not know (404)',
      kind: 'not_found',
      status: 404,
      body: stripeError('invalid_request_error', "No such invoice: 'in_x'", 'resource_missing'),
      reason: /No such invoice/,
    },
    {
      name: 'an account that revoked the platform’s access (403)',
      kind: 'account_access',
      status: 403,
      body: stripeError(
        'invalid_request_error',
        `The provided key 'sk_test_********1234' does not have access to account '${ACCOUNT}' (or that account does not exist). Application access may have been revoked.`,
        'account_invalid',
      ),
      reason: /Application access may have been revoked/,
    },
    {
      name: 'an account that revoked the platform’s access (401 naming the account)',
      kind: 'account_access',
      status: 401,
      body: stripeError(
        'invalid_request_error',
        `The provided key 'sk_test_********1234' does not have access to account '${ACCOUNT}'.`,
      ),
      reason: /does not have access/,
    },
  ];

  it.each(cases)('$name', async ({ kind, status, body, reason }) => {
    const [invoice] = await staleInvoices(1);
    const stripe = await standIn([retrieveRoute(invoice!, body, { status })]);
    const before = Date.now();

    await runScheduled(stripe.env);

    expect((await runs())[0]).toMatchObject({ stopped_reason: null, errors: { [kind]: 1 } });
    const row = await invoiceRow(invoice!);
    expect(row).toMatchObject({ status: 'pending', reconcile_error: kind, reconcile_failures: 1 });
    expect(row.reconcile_reason).toMatch(reason);
    expect(row.reconcile_reason).not.toMatch(/sk_test_[A-Za-z0-9]/);
    expect(row.reconcile_backoff_until).toBeGreaterThanOrEqual(before + 6 * HOUR);

    // Backed off: the next runs leave it alone, even once it is stale again.
    await ageInvoice(invoice!);
    await runScheduled(stripe.env);
    expect(await stripe.requests()).toHaveLength(1);
    expect((await runs())[1]).toMatchObject({ selected: 0, examined: 0 });

    // When the back-off ends it is asked again; a second failure doubles the back-off.
    await env.DB.prepare('update invoices set reconcile_backoff_until = 0').run();
    const second = Date.now();
    await runScheduled(stripe.env);
    const after = await invoiceRow(invoice!);
    expect(after.reconcile_failures).toBe(2);
    expect(after.reconcile_backoff_until).toBeGreaterThanOrEqual(second + 12 * HOUR);
    await stripe.expectNoSurprises();
  });

  it('a 401 that does not name the account means our key is bad: the run stops', async () => {
    const [first] = await staleInvoices(2);
    const stripe = await standIn([
      retrieveRoute(first!, stripeError('invalid_request_error', 'Invalid API Key provided'), {
        status: 401,
      }),
    ]);

    await runJob(stripe.key, { concurrency: 1 });

    expect((await runs())[0]).toMatchObject({
      stopped_reason: 'authentication',
      examined: 1,
      errors: { authentication: 1 },
    });
    expect((await invoiceRow(first!)).reconcile_backoff_until).toBeNull();
    await stripe.expectNoSurprises();
  });
});

describe('configuration', () => {
  it('without STRIPE_SECRET_KEY the run is recorded as not configured and asks nothing', async () => {
    await staleInvoices(1);

    await runScheduled({ STRIPE_SECRET_KEY: '' });

    expect((await runs())[0]).toMatchObject({ stopped_reason: 'not_configured', examined: 0 });
    const logged = entries(logs.lines).find((entry) => entry.msg === 'reconcile.not_configured');
    expect(logged).toBeDefined();
  });
});

describe('invoices Stripe keeps failing on', () => {
  it('do not fill every batch: the next run takes the invoices not yet checked first', async () => {
    const [failing1, failing2, healthy] = await staleInvoices(3);
    const serverError = (id: string) =>
      retrieveRoute(id, stripeError('api_error', 'Something went wrong'), { status: 500 });
    const stripe = await standIn([
      serverError(failing1!),
      serverError(failing2!),
      retrieveRoute(healthy!, stripeInvoice(healthy!, 'paid')),
    ]);

    await runJob(stripe.key, { batchSize: 2, concurrency: 1 });
    await runJob(stripe.key, { batchSize: 2, concurrency: 1 });

    expect((await stripe.requests()).map((r) => r.path)).toEqual(
      [failing1, failing2, healthy, failing1].map((id) => `/v1/invoices/${id}`),
    );
    expect((await readInvoice(healthy!)).status).toBe('paid');
    expect((await invoiceRow(failing1!)).reconcile_error).toBe('server_error');
    await stripe.expectNoSurprises();
  });
});
