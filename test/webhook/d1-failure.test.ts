/**
 * A database failure in the middle of an event's batch: the worker answers 500 so Stripe retries,
 * nothing of the event is left half-written, and the retry then applies it.
 *
 * The failure is real: the test renames the invoices table in a database of its own (DB_FAULTS,
 * migrated here), so the batch's first statement succeeds and its second fails inside D1.
 */
import { applyD1Migrations, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { captureLogs, entries } from '../helpers/logs.ts';
import { call, CONNECT_SECRET, newInvoiceId } from '../helpers/worker.ts';
import { signatureHeader } from '../factories/events.ts';

const logs = captureLogs();
const faulty = { DB: env.DB_FAULTS };

async function deliverTo(event: Record<string, unknown>) {
  const body = JSON.stringify(event);
  const headers = {
    'content-type': 'application/json',
    'stripe-signature': await signatureHeader(body, CONNECT_SECRET),
  };
  return call(
    new Request('https://worker.test/stripe/webhook', { method: 'POST', headers, body }),
    faulty,
  );
}

beforeAll(async () => {
  await applyD1Migrations(env.DB_FAULTS, env.TEST_MIGRATIONS);
});

describe('a D1 failure while an event is applied', () => {
  it('answers 500, writes nothing, and the retry is applied', async () => {
    const invoice = newInvoiceId();
    const tracked = await call(
      new Request(`https://worker.test/api/invoices/${invoice}`, {
        method: 'PUT',
        headers: { authorization: 'Bearer test-api-token', 'content-type': 'application/json' },
        body: JSON.stringify({ stripe_account_id: 'acct_1TestConnected' }),
      }),
      faulty,
    );
    expect(tracked.status).toBe(201);

    const event = invoiceEvent('invoice.paid', { invoice });
    await env.DB_FAULTS.exec('ALTER TABLE invoices RENAME TO invoices_offline');

    const failed = await deliverTo(event);
    const text = await failed.text();

    expect(failed.status).toBe(500);
    expect(JSON.parse(text)).toEqual({
      error: { code: 'internal_error', message: 'Temporary failure; retry later.' },
    });
    expect(text).not.toMatch(/sqlite|invoices|D1/i);
    const recorded = await env.DB_FAULTS.prepare(
      'select count(*) as n from invoice_events where id = ?',
    )
      .bind(event.id)
      .first<{ n: number }>();
    expect(recorded?.n).toBe(0);
    expect(entries(logs.lines)).toContainEqual(
      expect.objectContaining({ msg: 'webhook.db_failed', eventId: event.id }),
    );

    await env.DB_FAULTS.exec('ALTER TABLE invoices_offline RENAME TO invoices');
    const retried = await deliverTo(event);

    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual({ received: true, outcome: 'applied' });
    const row = await env.DB_FAULTS.prepare(
      'select status from invoices where stripe_invoice_id = ?',
    )
      .bind(invoice)
      .first();
    expect(row).toEqual({ status: 'paid' });
  });
});
