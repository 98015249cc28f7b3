import { describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { sendRoutes } from '../factories/stripe-send.ts';
import { ACCOUNT, newKey, postInvoice, sendBody, stripeId } from '../helpers/send.ts';
import { standIn } from '../helpers/stripe-stand-in.ts';
import { deliver, readInvoice } from '../helpers/worker.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Delivers `type` for `invoice` and returns the outcome the webhook answered. */
async function webhook(type: string, invoice: string, created: number) {
  const event = invoiceEvent(type, { invoice, account: ACCOUNT, created, paidAt: created });
  const response = await deliver(event);
  expect(response.status).toBe(200);
  return ((await response.json()) as { outcome: string }).outcome;
}

describe('webhooks that arrive before POST /api/invoices returns', () => {
  it('finds the invoice tracked while it is being finalized and sent', async () => {
    const key = newKey();
    const invoice = stripeId('in');
    const routes = sendRoutes({ invoice: { id: invoice, customer: stripeId('cus') }, items: 1 });
    const finalize = routes.find((route) => route.path.endsWith('/finalize'));
    if (finalize) finalize.delayMs = 700;
    const stripe = await standIn(routes);

    const sending = postInvoice(sendBody({ customer: stripeId('cus') }), { key, stripe });
    await pause(300);
    const now = Math.floor(Date.now() / 1000);
    const finalized = await webhook('invoice.finalized', invoice, now);
    const sent = await webhook('invoice.sent', invoice, now);
    const paid = await webhook('invoice.paid', invoice, now + 1);
    const response = await sending;

    expect([finalized, sent, paid]).toEqual(['noted', 'noted', 'applied']);
    expect(response.status).toBe(201);
    // The answer carries what the webhooks did: the customer paid before the call returned.
    expect(await response.json()).toMatchObject({ stripe_invoice_id: invoice, status: 'paid' });

    const view = await readInvoice(invoice);
    expect(view.status).toBe('paid');
    expect(view.events.map((e) => [e.type, e.outcome]).sort()).toEqual([
      ['invoice.finalized', 'noted'],
      ['invoice.paid', 'applied'],
      ['invoice.sent', 'noted'],
    ]);
    await stripe.expectNoSurprises();
  });

  it('holds those that beat the create call’s answer and applies them when it is stored', async () => {
    const key = newKey();
    const invoice = stripeId('in');
    const routes = sendRoutes({ invoice: { id: invoice, customer: stripeId('cus') }, items: 1 });
    const create = routes.find((route) => route.path === '/v1/invoices');
    if (create) create.delayMs = 700;
    const stripe = await standIn(routes);

    const sending = postInvoice(sendBody({ customer: stripeId('cus') }), { key, stripe });
    await pause(300);
    const now = Math.floor(Date.now() / 1000);
    const created = await webhook('invoice.created', invoice, now);
    const paid = await webhook('invoice.paid', invoice, now);
    const response = await sending;

    expect([created, paid]).toEqual(['untracked', 'untracked']);
    expect(response.status).toBe(201);

    const view = await readInvoice(invoice);
    expect(view.status).toBe('paid');
    expect(view.events.map((e) => [e.type, e.outcome]).sort()).toEqual([
      ['invoice.created', 'noted'],
      ['invoice.paid', 'applied'],
    ]);
    await stripe.expectNoSurprises();
  });

  it('keeps a paid invoice paid when its send then fails', async () => {
    const key = newKey();
    const invoice = stripeId('in');
    const routes = sendRoutes({ invoice: { id: invoice, customer: stripeId('cus') }, items: 1 });
    const send = routes.find((route) => route.path.endsWith('/send'));
    if (send) {
      send.delayMs = 700;
      send.status = 400;
      send.body = { error: { type: 'invalid_request_error', code: 'email_invalid', message: 'x' } };
    }
    const stripe = await standIn(routes);

    const sending = postInvoice(sendBody({ customer: stripeId('cus') }), { key, stripe });
    await pause(400);
    expect(await webhook('invoice.paid', invoice, Math.floor(Date.now() / 1000))).toBe('applied');
    const response = await sending;

    expect(response.status).toBe(502);
    const view = await readInvoice(invoice);
    expect(view).toMatchObject({ status: 'paid', error: { code: 'email_invalid' } });
  });
});
