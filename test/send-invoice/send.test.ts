import { describe, expect, it } from 'vitest';
import { sendRoutes } from '../factories/stripe-send.ts';
import { ACCOUNT, newKey, postInvoice, sendBody, sendRow, stripeId } from '../helpers/send.ts';
import { standIn } from '../helpers/stripe-stand-in.ts';
import { readInvoice, track } from '../helpers/worker.ts';

const FINALIZED_AT = 1_800_000_000;

describe('POST /api/invoices', () => {
  it('creates the customer, the invoice and its items, finalizes and sends it', async () => {
    const key = newKey();
    const invoice = stripeId('in');
    const customer = stripeId('cus');
    const stripe = await standIn(
      sendRoutes({
        invoice: { id: invoice, customer, amountDue: 13_500, finalizedAt: FINALIZED_AT },
        newCustomer: { email: 'jenny@example.com', name: 'Jenny Rosen' },
        items: 2,
      }),
    );

    const body = sendBody({
      items: [
        { description: 'Consulting, March', unit_amount: 5000, quantity: 2 },
        { description: 'Travel', unit_amount: 3500, quantity: 1 },
      ],
      description: 'March work',
      metadata: { order: 'ord_42' },
    });
    const response = await postInvoice(body, { key, stripe });

    expect(response.status).toBe(201);
    const record = (await response.json()) as Record<string, unknown>;
    expect(record).toMatchObject({
      stripe_invoice_id: invoice,
      stripe_account_id: ACCOUNT,
      status: 'pending',
      stripe_customer_id: customer,
      number: `STANDIN-${invoice.slice(-6).toUpperCase()}`,
      amount_due: 13_500,
      currency: 'usd',
      hosted_invoice_url: `https://invoice.stripe.test/i/${invoice}`,
      due_date: new Date((FINALIZED_AT + 30 * 86_400) * 1000).toISOString(),
      error: null,
    });

    const seen = await stripe.requests();
    expect(seen.map((r) => [r.method, r.path, r.stripeAccount, r.idempotencyKey])).toEqual([
      ['POST', '/v1/customers', ACCOUNT, `${key}:customer`],
      ['POST', '/v1/invoices', ACCOUNT, `${key}:invoice`],
      ['POST', '/v1/invoiceitems', ACCOUNT, `${key}:item:0`],
      ['POST', '/v1/invoiceitems', ACCOUNT, `${key}:item:1`],
      ['POST', `/v1/invoices/${invoice}/finalize`, ACCOUNT, `${key}:finalize`],
      ['POST', `/v1/invoices/${invoice}/send`, ACCOUNT, `${key}:send`],
    ]);
    expect(seen.map((r) => r.form)).toEqual([
      { email: 'jenny@example.com', name: 'Jenny Rosen' },
      {
        customer,
        currency: 'usd',
        collection_method: 'send_invoice',
        days_until_due: '30',
        auto_advance: 'false',
        pending_invoice_items_behavior: 'exclude',
        description: 'March work',
        'metadata[order]': 'ord_42',
      },
      {
        invoice,
        customer,
        currency: 'usd',
        description: 'Consulting, March',
        unit_amount_decimal: '5000',
        quantity: '2',
      },
      {
        invoice,
        customer,
        currency: 'usd',
        description: 'Travel',
        unit_amount_decimal: '3500',
        quantity: '1',
      },
      {},
      {},
    ]);
    expect(seen.every((r) => r.authorization === `Bearer ${stripe.key}`)).toBe(true);
    await stripe.expectNoSurprises();

    const view = await readInvoice(invoice);
    expect(view).toMatchObject({ ...record, events: [] });
    expect(await sendRow(key)).toMatchObject({ state: 'sent', step: 'done', http_status: 201 });
  });

  it('refuses an invoice id Stripe returns that another account already tracks', async () => {
    const key = newKey();
    const invoice = stripeId('in');
    const customer = stripeId('cus');
    await track(invoice, 'acct_1SomeoneElse');
    const before = await readInvoice(invoice);
    const routes = sendRoutes({ invoice: { id: invoice, customer, amountDue: 10_000 }, items: 1 });
    const stripe = await standIn(routes.filter((route) => route.path === '/v1/invoices'));

    const response = await postInvoice(sendBody({ customer }), { key, stripe });

    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string; invoice: unknown } };
    expect(body.error.code).toBe('invoice_account_conflict');
    expect(body.error.invoice).toMatchObject({ stripe_account_id: ACCOUNT, status: 'error' });
    expect(await readInvoice(invoice)).toEqual(before);
    expect((await stripe.requests()).map((r) => r.path)).toEqual(['/v1/invoices']);
    await stripe.expectNoSurprises();
  });

  it('bills an existing customer of the account without creating one', async () => {
    const key = newKey();
    const invoice = stripeId('in');
    const customer = stripeId('cus');
    const stripe = await standIn(
      sendRoutes({ invoice: { id: invoice, customer, amountDue: 10_000 }, items: 1 }),
    );

    const response = await postInvoice(sendBody({ customer }), { key, stripe });

    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      stripe_customer_id: customer,
      status: 'pending',
    });
    const seen = await stripe.requests();
    expect(seen.map((r) => r.path)).toEqual([
      '/v1/invoices',
      '/v1/invoiceitems',
      `/v1/invoices/${invoice}/finalize`,
      `/v1/invoices/${invoice}/send`,
    ]);
    expect(seen[0]?.form.customer).toBe(customer);
    expect(seen[1]?.form).toMatchObject({ customer, invoice, quantity: '2' });
    await stripe.expectNoSurprises();
  });

  it('answers a retry with the same key and body with the same record, calling Stripe once', async () => {
    const key = newKey();
    const invoice = stripeId('in');
    const stripe = await standIn(
      sendRoutes({
        invoice: { id: invoice, customer: stripeId('cus') },
        newCustomer: { email: 'jenny@example.com', name: 'Jenny Rosen' },
        items: 1,
      }),
    );

    const first = await postInvoice(sendBody(), { key, stripe });
    // The same request with its keys in another order is the same request.
    const { items, ...rest } = sendBody();
    const second = await postInvoice({ items, ...rest }, { key, stripe });

    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.json()).toEqual(await first.json());
    expect(await stripe.requests()).toHaveLength(5);
    await stripe.expectNoSurprises();
  });

  it('refuses the same key with another body, without calling Stripe', async () => {
    const key = newKey();
    const invoice = stripeId('in');
    const stripe = await standIn(
      sendRoutes({ invoice: { id: invoice, customer: stripeId('cus') }, items: 1 }),
    );
    const customer = stripeId('cus');

    const first = await postInvoice(sendBody({ customer }), { key, stripe });
    const other = await postInvoice(sendBody({ customer, days_until_due: 7 }), { key, stripe });

    expect(first.status).toBe(201);
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ error: { code: 'idempotency_key_reused' } });
    expect(await stripe.requests()).toHaveLength(4);
    await stripe.expectNoSurprises();
  });

  it('tells a second request with the same key that the first is still running', async () => {
    const key = newKey();
    const invoice = stripeId('in');
    const routes = sendRoutes({ invoice: { id: invoice, customer: stripeId('cus') }, items: 1 });
    const finalize = routes.find((r) => r.path.endsWith('/finalize'));
    if (finalize) finalize.delayMs = 800;
    const stripe = await standIn(routes);
    const body = sendBody({ customer: stripeId('cus') });

    const first = postInvoice(body, { key, stripe });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await postInvoice(body, { key, stripe });

    expect(second.status).toBe(409);
    expect(second.headers.get('retry-after')).toMatch(/^[1-5]$/);
    expect(await second.json()).toMatchObject({ error: { code: 'idempotency_key_in_use' } });
    expect((await first).status).toBe(201);

    const third = await postInvoice(body, { key, stripe });
    expect(third.status).toBe(201);
    expect(await stripe.requests()).toHaveLength(4);
    await stripe.expectNoSurprises();
  });

  it('needs the API token', async () => {
    const response = await postInvoice(sendBody(), { key: newKey(), token: null });
    expect(response.status).toBe(401);
  });

  it('answers 503 when the worker has no Stripe key, before claiming the key', async () => {
    const key = newKey();
    const stripe = await standIn();
    const response = await postInvoice(sendBody(), {
      key,
      stripe: { ...stripe, env: { ...stripe.env, STRIPE_SECRET_KEY: '' } },
    });

    expect(response.status).toBe(503);
    expect(await sendRow(key)).toBeNull();
    await stripe.expectNoSurprises();
  });
});
