import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import wranglerToml from '../../wrangler.toml?raw';
import { database } from '../../src/db/client.ts';
import { latestReconcileRun } from '../../src/db/reconcile-runs.ts';
import { stripeInvoice } from '../factories/stripe-invoices.ts';
import {
  CRON,
  ageInvoice,
  dispatchCron,
  resetTables,
  retrieveRoute,
  runScheduled,
} from '../helpers/reconcile.ts';
import { standIn } from '../helpers/stripe-stand-in.ts';
import { call, newInvoiceId, readInvoice, track } from '../helpers/worker.ts';

beforeEach(resetTables);

const OPS_TOKEN = 'test-ops-token';
/** The key the worker is configured with (vitest.config.ts), which the runtime's cron uses. */
const WORKER_KEY = env.STRIPE_SECRET_KEY;

/** A stale invoice on its own account, so a script on the worker's key sees only this test. */
const post = (token: string | null, overrides: Record<string, unknown> = {}) =>
  call(
    new Request('https://worker.test/ops/reconcile', {
      method: 'POST',
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    }),
    overrides,
  );

async function staleInvoiceOnOwnAccount() {
  const invoice = newInvoiceId();
  const account = `acct_1Cron${crypto.randomUUID().replaceAll('-', '').slice(0, 10)}`;
  await track(invoice, account);
  await ageInvoice(invoice);
  return { invoice, account };
}

describe('the cron dispatched to the worker (integration form)', () => {
  it('the runtime’s scheduled event reconciles with the configured key and account', async () => {
    const { invoice, account } = await staleInvoiceOnOwnAccount();
    const stripe = await standIn([retrieveRoute(invoice, stripeInvoice(invoice, 'paid'))], {
      key: WORKER_KEY,
      account,
    });

    await dispatchCron();

    expect((await readInvoice(invoice)).status).toBe('paid');
    const [seen] = await stripe.requests();
    expect(seen).toMatchObject({
      method: 'GET',
      path: `/v1/invoices/${invoice}`,
      stripeAccount: account,
      authorization: `Bearer ${WORKER_KEY}`,
    });
    await stripe.expectNoSurprises();

    expect(await latestReconcileRun(database(env.DB))).toMatchObject({
      trigger: 'cron',
      cron: CRON,
      selected: 1,
      examined: 1,
      changed: 1,
      errors: {},
      stopped_reason: null,
    });
  });

  it('wrangler.toml schedules the reconciler every 15 minutes', () => {
    expect(wranglerToml).toMatch(/\[triggers\]\s*\ncrons = \["\*\/15 \* \* \* \*"\]/);
  });
});

describe('POST /ops/reconcile', () => {
  it('runs one now and returns its record', async () => {
    const { invoice } = await staleInvoiceOnOwnAccount();
    const stripe = await standIn([retrieveRoute(invoice, stripeInvoice(invoice, 'void'))]);

    const response = await post(OPS_TOKEN, stripe.env);

    expect(response.status).toBe(200);
    const run = (await response.json()) as Record<string, unknown>;
    expect(run).toEqual({
      id: expect.any(Number),
      trigger: 'manual',
      cron: null,
      started_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      finished_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      duration_ms: expect.any(Number),
      selected: 1,
      examined: 1,
      changed: 1,
      errors: {},
      stopped_reason: null,
    });
    expect(await latestReconcileRun(database(env.DB))).toEqual(run);
    expect((await readInvoice(invoice)).status).toBe('void');
  });

  it('answers 401 without the ops token, and runs nothing', async () => {
    for (const token of [null, 'wrong', 'test-api-token']) {
      const response = await post(token);
      expect(response.status).toBe(401);
    }
    expect(await latestReconcileRun(database(env.DB))).toBeNull();
  });

  it('answers 503 when OPS_TOKEN is not configured', async () => {
    expect((await post(OPS_TOKEN, { OPS_TOKEN: '' })).status).toBe(503);
  });

  it('answers 503 without STRIPE_SECRET_KEY, and the run says why', async () => {
    const response = await post(OPS_TOKEN, { STRIPE_SECRET_KEY: '' });

    expect(response.status).toBe(503);
    const body = JSON.stringify(await response.json());
    expect(body).not.toMatch(/sk_test/);
    expect(await latestReconcileRun(database(env.DB))).toMatchObject({
      stopped_reason: 'not_configured',
    });
  });
});

describe('latestReconcileRun', () => {
  it('is null before any run, then the newest run', async () => {
    const db = database(env.DB);
    expect(await latestReconcileRun(db)).toBeNull();

    const stripe = await standIn();
    await runScheduled(stripe.env);
    await post(OPS_TOKEN, stripe.env);

    expect(await latestReconcileRun(db)).toMatchObject({ trigger: 'manual', selected: 0 });
  });
});
