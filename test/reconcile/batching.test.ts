import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { stripeInvoice } from '../factories/stripe-invoices.ts';
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
import { standIn } from '../helpers/stripe-stand-in.ts';
import { newInvoiceId, track } from '../helpers/worker.ts';

beforeEach(resetTables);

/** `count` tracked invoices whose last change is `minutes` old, the first the oldest. */
async function invoicesAged(count: number, minutes = 300): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const invoice = newInvoiceId();
    await track(invoice, ACCOUNT);
    await ageInvoice(invoice, minutes - i);
    ids.push(invoice);
  }
  return ids;
}

const openRoutes = (ids: string[], extra: object = {}) =>
  ids.map((id) => retrieveRoute(id, stripeInvoice(id, 'open'), extra));

const paths = (ids: string[]) => ids.map((id) => `/v1/invoices/${id}`);

describe('which invoices a run takes', () => {
  it('a run takes at most RECONCILE_BATCH_SIZE invoices; the next run continues', async () => {
    const ids = await invoicesAged(5);
    const stripe = await standIn(openRoutes(ids));

    await runScheduled({ ...stripe.env, RECONCILE_BATCH_SIZE: '3' });
    const firstRun = (await stripe.requests()).map((r) => r.path);
    expect(firstRun.sort()).toEqual(paths(ids.slice(0, 3)).sort());

    await runScheduled({ ...stripe.env, RECONCILE_BATCH_SIZE: '3' });
    const secondRun = (await stripe.requests()).slice(3).map((r) => r.path);
    expect(secondRun.sort()).toEqual(paths(ids.slice(3)).sort());

    expect((await runs()).map((run) => [run.selected, run.examined])).toEqual([
      [3, 3],
      [2, 2],
    ]);
    await stripe.expectNoSurprises();
  });

  it('the default batch is 20, and at most 6 requests are in flight', async () => {
    const ids = await invoicesAged(22);
    const stripe = await standIn(openRoutes(ids, { delayMs: 60 }));

    await runScheduled(stripe.env);

    expect(await stripe.requests()).toHaveLength(20);
    expect(await stripe.peakInFlight()).toBe(6);
    expect((await runs())[0]).toMatchObject({ selected: 20, examined: 20, stopped_reason: null });
  });

  it('only unsettled invoices (not paid or void) older than the threshold', async () => {
    const [pending, failed, uncollectible, paid, voided, errored] = await invoicesAged(6);
    const [fresh] = await invoicesAged(1, 30);
    const statuses: [string, string][] = [
      [failed!, 'payment_failed'],
      [uncollectible!, 'uncollectible'],
      [paid!, 'paid'],
      [voided!, 'void'],
      [errored!, 'error'],
    ];
    for (const [id, status] of statuses) {
      await env.DB.prepare(
        "update invoices set status = ?, state_key = '1' where stripe_invoice_id = ?",
      )
        .bind(status, id)
        .run();
    }
    const wanted = [pending!, failed!, uncollectible!, errored!];
    const stripe = await standIn(wanted.map((id) => retrieveRoute(id, stripeInvoice(id, 'open'))));

    await runScheduled(stripe.env);

    expect((await stripe.requests()).map((r) => r.path).sort()).toEqual(paths(wanted).sort());
    expect((await invoiceRow(fresh!)).reconcile_checked_at).toBeNull();
    await stripe.expectNoSurprises();
  });

  it('RECONCILE_STALE_AFTER_MINUTES sets the threshold', async () => {
    const [invoice] = await invoicesAged(1, 30);
    const stripe = await standIn([retrieveRoute(invoice!, stripeInvoice(invoice!, 'open'))]);

    await runScheduled(stripe.env);
    expect(await stripe.requests()).toHaveLength(0);

    await runScheduled({ ...stripe.env, RECONCILE_STALE_AFTER_MINUTES: '15' });
    expect(await stripe.requests()).toHaveLength(1);
  });

  it('a checked invoice waits a full threshold before it is asked again', async () => {
    const [invoice] = await invoicesAged(1);
    const stripe = await standIn([retrieveRoute(invoice!, stripeInvoice(invoice!, 'open'))]);

    await runScheduled(stripe.env);
    await runScheduled(stripe.env);

    expect(await stripe.requests()).toHaveLength(1);
    expect((await runs()).map((run) => run.selected)).toEqual([1, 0]);
  });

  it('never-checked invoices first, then the longest unchecked', async () => {
    const [checkedLongAgo, checkedRecently, neverChecked] = await invoicesAged(3);
    const at = (id: string, minutes: number) =>
      env.DB.prepare('update invoices set reconcile_checked_at = ? where stripe_invoice_id = ?')
        .bind(Date.now() - minutes * 60_000, id)
        .run();
    await at(checkedLongAgo!, 600);
    await at(checkedRecently!, 90);
    const stripe = await standIn(openRoutes([checkedLongAgo!, checkedRecently!, neverChecked!]));

    await runJob(stripe.key, { concurrency: 1 });

    expect((await stripe.requests()).map((r) => r.path)).toEqual(
      paths([neverChecked!, checkedLongAgo!, checkedRecently!]),
    );
  });
});

describe('the deadline', () => {
  it('a run past its deadline starts no new request; the rest come first next run', async () => {
    const ids = await invoicesAged(4);
    const stripe = await standIn(openRoutes(ids, { delayMs: 150 }));

    await runJob(stripe.key, { concurrency: 1, deadlineMs: 100 });

    const [run] = await runs();
    expect(run).toMatchObject({ stopped_reason: 'deadline', selected: 4, examined: 1 });
    expect((await stripe.requests()).map((r) => r.path)).toEqual(paths(ids.slice(0, 1)));

    await runJob(stripe.key, { concurrency: 1 });
    expect((await stripe.requests()).slice(1).map((r) => r.path)).toEqual(paths(ids.slice(1)));
  });
});

describe('overlapping runs', () => {
  it('a run that starts while another is running does nothing and says so', async () => {
    const [invoice] = await invoicesAged(1);
    const stripe = await standIn([
      retrieveRoute(invoice!, stripeInvoice(invoice!, 'open'), { delayMs: 300 }),
    ]);

    const first = runJob(stripe.key);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await runJob(stripe.key);
    await first;

    expect(second).toMatchObject({ stopped_reason: 'already_running', examined: 0 });
    expect(await stripe.requests()).toHaveLength(1);
  });
});
