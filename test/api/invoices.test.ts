/**
 * The tracking API, and what happens to events that arrive before their invoice is tracked.
 */
import { describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { api, call, deliver, newInvoiceId, readInvoice, track } from '../helpers/worker.ts';

const ACCOUNT = 'acct_1TestConnected';
const T = 1_800_000_000;

describe('PUT /api/invoices/:id', () => {
  it('starts tracking an invoice as pending and answers 201', async () => {
    const invoice = newInvoiceId();
    const response = await api('PUT', `/api/invoices/${invoice}`, { stripe_account_id: ACCOUNT });

    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      stripe_invoice_id: invoice,
      stripe_account_id: ACCOUNT,
      status: 'pending',
      paid_at: null,
    });
  });

  it('is idempotent for the same account', async () => {
    const invoice = newInvoiceId();
    const first = await track(invoice);
    const response = await api('PUT', `/api/invoices/${invoice}`, { stripe_account_id: ACCOUNT });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(first);
  });

  it('refuses to move an invoice to another account with 409', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const response = await api('PUT', `/api/invoices/${invoice}`, {
      stripe_account_id: 'acct_1Other',
    });

    expect(response.status).toBe(409);
    expect((await readInvoice(invoice)).stripe_account_id).toBe(ACCOUNT);
  });

  it.each([
    ['a body that is not JSON', 'not json', 'Body must be JSON.'],
    ['a missing account', {}, 'Invalid request body.'],
    ['an account that is not acct_', { stripe_account_id: 'cus_123' }, 'Invalid request body.'],
  ])('answers 422 to %s', async (_name, body, message) => {
    const response = await call(
      new Request(`https://worker.test/api/invoices/${newInvoiceId()}`, {
        method: 'PUT',
        headers: { authorization: 'Bearer test-api-token', 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );

    expect(response.status).toBe(422);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(message);
  });

  it('answers 422 to an id that is not an invoice id', async () => {
    const response = await api('PUT', '/api/invoices/cus_123', { stripe_account_id: ACCOUNT });
    expect(response.status).toBe(422);
  });
});

describe('GET /api/invoices/:id', () => {
  it('returns the invoice with its events, newest first', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const failed = invoiceEvent('invoice.payment_failed', { invoice, created: T });
    const paid = invoiceEvent('invoice.paid', { invoice, created: T + 60, paidAt: T + 59 });
    await deliver(paid);
    await deliver(failed);

    const view = await readInvoice(invoice);

    expect(view).toMatchObject({ status: 'paid', paid_at: '2027-01-15T08:00:59.000Z' });
    expect(view.events).toEqual([
      {
        id: paid.id,
        type: 'invoice.paid',
        created: '2027-01-15T08:01:00.000Z',
        outcome: 'applied',
        source: 'webhook',
      },
      {
        id: failed.id,
        type: 'invoice.payment_failed',
        created: '2027-01-15T08:00:00.000Z',
        outcome: 'superseded',
        source: 'webhook',
      },
    ]);
    expect(Date.parse(view.created_at)).not.toBeNaN();
    expect(Date.parse(view.updated_at)).toBeGreaterThanOrEqual(Date.parse(view.created_at));
  });

  it('answers 404 for an invoice that is not tracked', async () => {
    const response = await api('GET', `/api/invoices/${newInvoiceId()}`);
    expect(response.status).toBe(404);
  });
});

describe('authentication', () => {
  it.each([
    ['no token', null],
    ['a wrong token', 'wrong-token'],
    ['the ops token', 'test-ops-token'],
  ])('answers 401 with %s', async (_name, token) => {
    const response = await api('GET', `/api/invoices/${newInvoiceId()}`, undefined, token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers 401 to a malformed Authorization header', async () => {
    const response = await call(
      new Request(`https://worker.test/api/invoices/${newInvoiceId()}`, {
        headers: { authorization: 'Basic dGVzdC1hcGktdG9rZW4=' },
      }),
    );
    expect(response.status).toBe(401);
  });

  it('answers 503 when API_TOKEN is not configured, even without a token', async () => {
    const response = await call(new Request(`https://worker.test/api/invoices/${newInvoiceId()}`), {
      API_TOKEN: '',
    });
    expect(response.status).toBe(503);
  });
});

describe('events for an invoice that is not tracked yet', () => {
  it('are recorded, and applied when the invoice is tracked', async () => {
    const invoice = newInvoiceId();
    const failed = invoiceEvent('invoice.payment_failed', { invoice, created: T });
    const paid = invoiceEvent('invoice.paid', { invoice, created: T + 10, paidAt: T + 9 });
    const finalized = invoiceEvent('invoice.finalized', { invoice, created: T - 10 });

    for (const event of [paid, failed, finalized]) {
      expect(await (await deliver(event)).json()).toEqual({ received: true, outcome: 'untracked' });
    }

    const tracked = await track(invoice);
    expect(tracked).toMatchObject({ status: 'paid', paid_at: '2027-01-15T08:00:09.000Z' });

    const view = await readInvoice(invoice);
    expect(Object.fromEntries(view.events.map((e) => [e.id, e.outcome]))).toEqual({
      [paid.id as string]: 'applied',
      [failed.id as string]: 'superseded',
      [finalized.id as string]: 'noted',
    });
  });

  it('from another account are not applied when the invoice is tracked', async () => {
    const invoice = newInvoiceId();
    const foreign = invoiceEvent('invoice.paid', { invoice, account: 'acct_1Foreign' });
    await deliver(foreign);

    const tracked = await track(invoice);
    expect(tracked).toMatchObject({ status: 'pending' });
    expect((await readInvoice(invoice)).events).toEqual([
      expect.objectContaining({ id: foreign.id, outcome: 'account_mismatch' }),
    ]);
  });

  it('in the other mode are never applied', async () => {
    const invoice = newInvoiceId();
    await deliver(invoiceEvent('invoice.paid', { invoice, livemode: true }));

    expect(await track(invoice)).toMatchObject({ status: 'pending' });
  });

  it('held and live events together end in the same state as live delivery', async () => {
    const invoice = newInvoiceId();
    await deliver(invoiceEvent('invoice.marked_uncollectible', { invoice, created: T + 50 }));
    await track(invoice);
    const response = await deliver(invoiceEvent('invoice.payment_failed', { invoice, created: T }));

    expect(await response.json()).toEqual({ received: true, outcome: 'superseded' });
    expect((await readInvoice(invoice)).status).toBe('uncollectible');
  });
});

describe('routing', () => {
  it('answers 404 with JSON for an unknown route', async () => {
    const response = await call(new Request('https://worker.test/nope'));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'not_found', message: 'No such route.' },
    });
  });
});

describe('correcting the account of an invoice tracked under the wrong one', () => {
  it('moves an untouched invoice and applies the events its real account sent', async () => {
    const invoice = newInvoiceId();
    await track(invoice, 'acct_1Typo');
    const paid = invoiceEvent('invoice.paid', { invoice, created: T, paidAt: T - 1 });
    expect(await (await deliver(paid)).json()).toEqual({
      received: true,
      outcome: 'account_mismatch',
    });

    const plain = await api('PUT', `/api/invoices/${invoice}`, { stripe_account_id: ACCOUNT });
    expect(plain.status).toBe(409);

    const corrected = await api('PUT', `/api/invoices/${invoice}`, {
      stripe_account_id: ACCOUNT,
      correct_account: true,
    });
    expect(corrected.status).toBe(200);
    expect(await corrected.json()).toMatchObject({ stripe_account_id: ACCOUNT, status: 'paid' });
    expect((await readInvoice(invoice)).events).toEqual([
      expect.objectContaining({ id: paid.id, outcome: 'applied' }),
    ]);
  });

  it('refuses once an event has changed the invoice', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    await deliver(invoiceEvent('invoice.payment_failed', { invoice }));

    const response = await api('PUT', `/api/invoices/${invoice}`, {
      stripe_account_id: 'acct_1Other',
      correct_account: true,
    });
    expect(response.status).toBe(409);
    expect((await readInvoice(invoice)).stripe_account_id).toBe(ACCOUNT);
  });
});

describe('request hygiene', () => {
  it('answers 415 to a body that is not sent as JSON', async () => {
    const response = await call(
      new Request(`https://worker.test/api/invoices/${newInvoiceId()}`, {
        method: 'PUT',
        headers: { authorization: 'Bearer test-api-token', 'content-type': 'text/plain' },
        body: JSON.stringify({ stripe_account_id: ACCOUNT }),
      }),
    );
    expect(response.status).toBe(415);
  });

  it('answers 413 to a body over 256 KiB', async () => {
    const response = await api('PUT', `/api/invoices/${newInvoiceId()}`, {
      stripe_account_id: ACCOUNT,
      padding: 'x'.repeat(300 * 1024),
    });
    expect(response.status).toBe(413);
  });

  it('answers 405 to another method on an invoice', async () => {
    const response = await api('DELETE', `/api/invoices/${newInvoiceId()}`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, PUT');
  });

  it('accepts the bearer scheme in any case', async () => {
    const response = await call(
      new Request(`https://worker.test/api/invoices/${newInvoiceId()}`, {
        headers: { authorization: 'bearer test-api-token' },
      }),
    );
    expect(response.status).toBe(404);
  });

  it('says whether the event list was cut', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    expect(await (await api('GET', `/api/invoices/${invoice}`)).json()).toMatchObject({
      events_truncated: false,
    });
  });
});
