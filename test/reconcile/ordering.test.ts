import { beforeEach, describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { stripeInvoice } from '../factories/stripe-invoices.ts';
import {
  ACCOUNT,
  ageInvoice,
  resetTables,
  retrieveRoute,
  runScheduled,
  runs,
} from '../helpers/reconcile.ts';
import { standIn } from '../helpers/stripe-stand-in.ts';
import { deliver, newInvoiceId, readInvoice, track } from '../helpers/worker.ts';

beforeEach(resetTables);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

async function staleInvoice() {
  const invoice = newInvoiceId();
  await track(invoice, ACCOUNT);
  await ageInvoice(invoice);
  return invoice;
}

describe('a webhook that settles the invoice while the run is in flight wins', () => {
  it('Stripe’s older answer (open, failed) loses to the paid webhook', async () => {
    const invoice = await staleInvoice();
    const stripe = await standIn([
      retrieveRoute(invoice, stripeInvoice(invoice, 'open_failed'), { delayMs: 400 }),
    ]);
    const paidAt = nowSeconds() - 5;
    const paid = invoiceEvent('invoice.paid', { invoice, created: nowSeconds(), paidAt });

    const running = runScheduled(stripe.env);
    await sleep(150);
    expect((await deliver(paid)).status).toBe(200);
    await running;

    const view = await readInvoice(invoice);
    expect(view.status).toBe('paid');
    expect(view.paid_at).toBe(iso(paidAt));
    expect(view.events.map((e) => [e.source, e.type, e.outcome]).sort()).toEqual(
      [
        ['reconciler', 'reconcile.payment_failed', 'superseded'],
        ['webhook', 'invoice.paid', 'applied'],
      ].sort(),
    );
    expect((await runs())[0]).toMatchObject({ examined: 1, changed: 0 });
  });

  it('Stripe’s paid answer does not move paid_at once the webhook recorded the payment', async () => {
    const invoice = await staleInvoice();
    const paidAt = nowSeconds() - 30;
    const stripe = await standIn([
      retrieveRoute(invoice, stripeInvoice(invoice, 'paid', { paidAt }), { delayMs: 400 }),
    ]);
    const paid = invoiceEvent('invoice.paid', { invoice, created: paidAt + 1, paidAt });

    const running = runScheduled(stripe.env);
    await sleep(150);
    await deliver(paid);
    await running;

    const view = await readInvoice(invoice);
    expect(view.status).toBe('paid');
    expect(view.paid_at).toBe(iso(paidAt));
    const byId = Object.fromEntries(view.events.map((e) => [e.source, e.outcome]));
    expect(byId).toEqual({ webhook: 'applied', reconciler: 'superseded' });
  });
});

describe('an old state from Stripe never overwrites a newer one', () => {
  it('Stripe answering open-after-failure does not undo a newer uncollectible', async () => {
    const invoice = await staleInvoice();
    // A webhook stamped after the moment the reconciler will observe Stripe.
    await deliver(
      invoiceEvent('invoice.marked_uncollectible', { invoice, created: nowSeconds() + 600 }),
    );
    await ageInvoice(invoice);
    const stripe = await standIn([retrieveRoute(invoice, stripeInvoice(invoice, 'open_failed'))]);

    await runScheduled(stripe.env);

    const view = await readInvoice(invoice);
    expect(view.status).toBe('uncollectible');
    expect(view.events.find((e) => e.source === 'reconciler')?.outcome).toBe('superseded');
  });

  it('an older payment_failed webhook arriving after the reconciler marked paid changes nothing', async () => {
    const invoice = await staleInvoice();
    const paidAt = nowSeconds() - 120;
    const stripe = await standIn([
      retrieveRoute(invoice, stripeInvoice(invoice, 'paid', { paidAt })),
    ]);
    await runScheduled(stripe.env);
    expect((await readInvoice(invoice)).status).toBe('paid');

    const late = invoiceEvent('invoice.payment_failed', { invoice, created: paidAt - 60 });
    expect(await (await deliver(late)).json()).toEqual({ received: true, outcome: 'superseded' });

    const view = await readInvoice(invoice);
    expect(view.status).toBe('paid');
    expect(view.paid_at).toBe(iso(paidAt));
  });

  it('a paid invoice is never asked about, so nothing can move it back', async () => {
    const invoice = await staleInvoice();
    await deliver(invoiceEvent('invoice.paid', { invoice, created: nowSeconds() - 7200 }));
    await ageInvoice(invoice);
    const stripe = await standIn();

    await runScheduled(stripe.env);

    expect(await stripe.requests()).toEqual([]);
    expect((await runs())[0]).toMatchObject({ selected: 0 });
  });
});
