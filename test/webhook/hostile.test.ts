/**
 * Correctly signed events with hostile content: what an attacker holding a signing secret, or a
 * bug upstream, could send. Each must be answered without a 5xx and leave every record readable.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { captureLogs } from '../helpers/logs.ts';
import { api, deliver, newInvoiceId, readInvoice, track } from '../helpers/worker.ts';

captureLogs();

describe('signed events with values no Stripe event has', () => {
  it('a paid_at beyond any date is recorded as invalid and the invoice stays readable', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const event = invoiceEvent('invoice.paid', { invoice, paidAt: 1e15 });

    const response = await deliver(event);

    expect(await response.json()).toEqual({ received: true, outcome: 'invalid' });
    expect((await readInvoice(invoice)).status).toBe('pending');
  });

  it('a created beyond any date is not a Stripe event', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const response = await deliver(
      invoiceEvent('invoice.sent', { invoice, created: 9007199254740991 }),
    );

    expect(response.status).toBe(400);
    expect((await api('GET', `/api/invoices/${invoice}`)).status).toBe(200);
  });

  it('a negative paid_at held for an untracked invoice never breaks tracking it', async () => {
    const invoice = newInvoiceId();
    await deliver(invoiceEvent('invoice.paid', { invoice, paidAt: -1e15 }));

    const response = await api('PUT', `/api/invoices/${invoice}`, {
      stripe_account_id: 'acct_1TestConnected',
    });
    expect(response.status).toBe(201);
    expect((await readInvoice(invoice)).status).toBe('pending');
  });

  it.each(['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'])(
    'an event of type %s is ignored, not treated as a handler',
    async (type) => {
      const invoice = newInvoiceId();
      await track(invoice);
      const response = await deliver(invoiceEvent(type, { invoice }));

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ received: true, outcome: 'ignored' });
    },
  );

  it('an oversized status string is not stored', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const event = invoiceEvent('invoice.payment_succeeded', {
      invoice,
      status: 'x'.repeat(100_000),
    });

    expect(await (await deliver(event)).json()).toEqual({ received: true, outcome: 'invalid' });
    const row = await env.DB.prepare('select length(error) as n from invoice_events where id = ?')
      .bind(event.id)
      .first<{ n: number }>();
    expect(row?.n).toBeLessThan(100);
  });
});

describe('configuration out of range', () => {
  it('a tolerance above an hour falls back to 300 seconds', async () => {
    const event = invoiceEvent('invoice.created', { invoice: newInvoiceId() });
    const response = await deliver(event, {
      timestamp: Math.floor(Date.now() / 1000) - 86_400,
      overrides: { STRIPE_WEBHOOK_TOLERANCE_SECONDS: '99999999999999999999' },
    });
    expect(response.status).toBe(400);
  });
});
