/**
 * What each event type does to a tracked invoice, and the events that must change nothing:
 * unhandled types, another account's events, the other mode's events.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { captureLogs, entries } from '../helpers/logs.ts';
import { deliver, newInvoiceId, readInvoice, track } from '../helpers/worker.ts';

const logs = captureLogs();
const ACCOUNT = 'acct_1TestConnected';

async function send(
  type: string,
  invoice: string,
  opts: Parameters<typeof invoiceEvent>[1] | object = {},
) {
  const event = invoiceEvent(type, { invoice, ...opts });
  const response = await deliver(event);
  expect(response.status).toBe(200);
  return { event, body: (await response.json()) as { received: boolean; outcome: string } };
}

describe('each handled event type on a pending invoice', () => {
  it.each([
    ['invoice.paid', 'paid'],
    ['invoice.payment_succeeded', 'paid'],
    ['invoice.payment_failed', 'payment_failed'],
    ['invoice.voided', 'void'],
    ['invoice.marked_uncollectible', 'uncollectible'],
    ['invoice.deleted', 'void'],
  ])('%s sets %s', async (type, status) => {
    const invoice = newInvoiceId();
    await track(invoice);

    const { body } = await send(type, invoice);

    expect(body.outcome).toBe('applied');
    const view = await readInvoice(invoice);
    expect(view.status).toBe(status);
    expect(view.paid_at === null).toBe(status !== 'paid');
  });

  it('takes paid_at from status_transitions.paid_at, not from the time of delivery', async () => {
    const invoice = newInvoiceId();
    await track(invoice);

    await send('invoice.paid', invoice, { created: 1_700_000_100, paidAt: 1_700_000_000 });

    expect((await readInvoice(invoice)).paid_at).toBe('2023-11-14T22:13:20.000Z');
  });

  it('logs the account the event came from and the status change', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const { event } = await send('invoice.payment_failed', invoice);

    expect(entries(logs.lines)).toContainEqual(
      expect.objectContaining({
        msg: 'webhook.applied',
        eventId: event.id,
        type: 'invoice.payment_failed',
        account: ACCOUNT,
        invoice,
        outcome: 'applied',
        status: 'payment_failed',
      }),
    );
  });
});

describe('events that change nothing but are recorded', () => {
  it.each(['customer.created', 'charge.succeeded', 'invoiceitem.created', 'invoice_payment.paid'])(
    'an unhandled type (%s) is recorded as ignored and answered 200',
    async (type) => {
      const invoice = newInvoiceId();
      await track(invoice);
      const { event, body } = await send(type, invoice);

      expect(body.outcome).toBe('ignored');
      const row = await env.DB.prepare('select outcome from invoice_events where id = ?')
        .bind(event.id)
        .first();
      expect(row).toEqual({ outcome: 'ignored' });
      expect((await readInvoice(invoice)).status).toBe('pending');
    },
  );

  it.each(['invoice.finalized', 'invoice.sent', 'invoice.updated', 'invoice.created'])(
    'a lifecycle event (%s) is noted against the invoice without changing it',
    async (type) => {
      const invoice = newInvoiceId();
      await track(invoice);
      const { body } = await send(type, invoice);

      expect(body.outcome).toBe('noted');
      const view = await readInvoice(invoice);
      expect(view.status).toBe('pending');
      expect(view.events.map((e) => e.outcome)).toEqual(['noted']);
    },
  );

  it('a payment_succeeded on an invoice still open (a partial payment) does not mark it paid', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const { body } = await send('invoice.payment_succeeded', invoice, { status: 'open' });

    expect(body.outcome).toBe('ignored');
    expect((await readInvoice(invoice)).status).toBe('pending');
  });

  it('a payment_failed on an invoice Stripe already marked uncollectible keeps it uncollectible', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    await send('invoice.payment_failed', invoice, { status: 'uncollectible' });

    expect((await readInvoice(invoice)).status).toBe('uncollectible');
  });

  it('an invoice event whose object is not an invoice is recorded as invalid', async () => {
    const event = invoiceEvent('invoice.paid', { invoice: newInvoiceId() });
    (event.data as { object: unknown }).object = { object: 'invoice', id: 42 };
    const response = await deliver(event);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, outcome: 'invalid' });
  });
});

describe('Connect accounts', () => {
  it('an event from another connected account changes nothing and says so', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const { body } = await send('invoice.paid', invoice, { account: 'acct_1SomeoneElse' });

    expect(body.outcome).toBe('account_mismatch');
    expect((await readInvoice(invoice)).status).toBe('pending');
  });

  it('a platform event without an account does not touch a connected account’s invoice', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const { body } = await send('invoice.voided', invoice, { account: null });

    expect(body.outcome).toBe('account_mismatch');
    expect((await readInvoice(invoice)).status).toBe('pending');
  });
});

describe('live and test mode', () => {
  it('a live event reaching a test-mode worker is recorded and ignored', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const { event, body } = await send('invoice.paid', invoice, { livemode: true });

    expect(body.outcome).toBe('livemode_mismatch');
    expect((await readInvoice(invoice)).status).toBe('pending');
    const row = await env.DB.prepare('select outcome, livemode from invoice_events where id = ?')
      .bind(event.id)
      .first();
    expect(row).toEqual({ outcome: 'livemode_mismatch', livemode: 1 });
  });

  it('the mode comes from STRIPE_LIVEMODE when there is no secret key', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const event = invoiceEvent('invoice.paid', { invoice, livemode: false });
    const response = await deliver(event, {
      overrides: { STRIPE_SECRET_KEY: '', STRIPE_LIVEMODE: 'true' },
    });

    expect(await response.json()).toEqual({ received: true, outcome: 'livemode_mismatch' });
  });

  it('a live key expects live events', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const event = invoiceEvent('invoice.paid', { invoice, livemode: true });
    const response = await deliver(event, { overrides: { STRIPE_SECRET_KEY: 'sk_live_x' } });

    expect(await response.json()).toEqual({ received: true, outcome: 'applied' });
  });
});
