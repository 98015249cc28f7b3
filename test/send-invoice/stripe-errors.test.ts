import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { sendRoutes, stripeError } from '../factories/stripe-send.ts';
import { ACCOUNT, newKey, postInvoice, sendBody, sendRow, stripeId } from '../helpers/send.ts';
import { captureLogs, entries } from '../helpers/logs.ts';
import { standIn, type Route } from '../helpers/stripe-stand-in.ts';
import { deliver, readInvoice } from '../helpers/worker.ts';

type Step = 'customer' | 'invoice' | 'items' | 'finalize' | 'send';

/** The happy script with the call of `step` answered by `error` instead. */
function failingAt(step: Step, invoice: string, error: ReturnType<typeof stripeError>): Route[] {
  const routes = sendRoutes({
    invoice: { id: invoice, customer: stripeId('cus') },
    newCustomer: { email: 'jenny@example.com', name: 'Jenny Rosen' },
    items: 2,
  });
  const path = {
    customer: '/v1/customers',
    invoice: '/v1/invoices',
    items: '/v1/invoiceitems',
    finalize: `/v1/invoices/${invoice}/finalize`,
    send: `/v1/invoices/${invoice}/send`,
  }[step];
  const at = routes.findIndex((route) => route.path === path);
  // Only this call fails; nothing after it may be called.
  return [...routes.slice(0, at), { method: 'POST', path, times: 1, ...error }];
}

const cases: { step: Step; error: ReturnType<typeof stripeError>; invoiceExists: boolean }[] = [
  {
    step: 'customer',
    error: stripeError(400, 'invalid_request_error', 'email_invalid', 'Invalid email address.'),
    invoiceExists: false,
  },
  {
    step: 'invoice',
    // Stripe's permission message quotes the platform key; it must not reach the caller or D1.
    error: stripeError(
      403,
      'invalid_request_error',
      'account_invalid',
      "The provided key 'sk_test_********************abcd' does not have access to account 'acct_1TestConnected' (or that account does not exist).",
    ),
    invoiceExists: false,
  },
  {
    step: 'items',
    error: stripeError(
      400,
      'invalid_request_error',
      'parameter_invalid_integer',
      'Invalid integer.',
    ),
    invoiceExists: true,
  },
  {
    step: 'finalize',
    error: stripeError(
      400,
      'invalid_request_error',
      'customer_tax_location_invalid',
      'The customer’s location is not recognized.',
    ),
    invoiceExists: true,
  },
  {
    step: 'send',
    error: stripeError(400, 'invalid_request_error', 'email_invalid', 'The customer has no email.'),
    invoiceExists: true,
  },
];

describe('a Stripe error while sending', () => {
  const logs = captureLogs();

  it.each(cases)(
    'at $step: records status error with Stripe’s code and answers 502, the same on retry',
    async ({ step, error, invoiceExists }) => {
      const key = newKey();
      const invoice = stripeId('in');
      const stripe = await standIn(failingAt(step, invoice, error));
      const code = (error.body.error as { code: string }).code;

      const response = await postInvoice(sendBody(), { key, stripe });

      expect(response.status).toBe(502);
      const body = (await response.json()) as Record<string, any>;
      expect(body.error).toMatchObject({ code, type: 'stripe_error', step, retryable: false });
      expect(body.error.invoice).toMatchObject({
        stripe_invoice_id: invoiceExists ? invoice : null,
        stripe_account_id: ACCOUNT,
        status: 'error',
        error: { code },
      });
      const text = JSON.stringify(body);
      expect(text).not.toContain('sk_test_');
      expect(text).not.toContain(stripe.key);
      expect(text).not.toContain(key);

      const row = await sendRow(key);
      expect(row).toMatchObject({ state: 'error', step, error_code: code, http_status: 502 });
      expect(JSON.stringify(row)).not.toContain('sk_test_');
      if (invoiceExists) {
        expect(await readInvoice(invoice)).toMatchObject({ status: 'error', error: { code } });
      }

      // The client retries: the same answer, and Stripe is not asked again.
      const calls = (await stripe.requests()).length;
      const again = await postInvoice(sendBody(), { key, stripe });
      expect(again.status).toBe(502);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(((await again.json()) as Record<string, any>).error).toMatchObject({ code, step });
      expect(await stripe.requests()).toHaveLength(calls);
      await stripe.expectNoSurprises();

      expect(entries(logs.lines)).toContainEqual(
        expect.objectContaining({ msg: 'invoice.send_failed', step, code, retryable: false }),
      );
      expect(logs.lines.join('\n')).not.toMatch(/sk_test_|whsec_/);
    },
  );

  it('leaves an invoice whose send failed for a later invoice.paid to settle', async () => {
    const key = newKey();
    const invoice = stripeId('in');
    const error = stripeError(400, 'invalid_request_error', 'email_invalid', 'No email.');
    const stripe = await standIn(failingAt('send', invoice, error));

    expect((await postInvoice(sendBody(), { key, stripe })).status).toBe(502);
    const paid = invoiceEvent('invoice.paid', { invoice, account: ACCOUNT });
    expect(await (await deliver(paid)).json()).toEqual({ received: true, outcome: 'applied' });

    const view = await readInvoice(invoice);
    expect(view.status).toBe('paid');
    expect(view.paid_at).not.toBeNull();
  });

  it('lets the same request resume after a transient failure, repeating no finished call', async () => {
    const key = newKey();
    const invoice = stripeId('in');
    const routes = sendRoutes({
      invoice: { id: invoice, customer: stripeId('cus') },
      newCustomer: { email: 'jenny@example.com', name: 'Jenny Rosen' },
      items: 2,
    });
    const finalizeAt = routes.findIndex((route) => route.path.endsWith('/finalize'));
    routes.splice(finalizeAt, 0, {
      method: 'POST',
      path: `/v1/invoices/${invoice}/finalize`,
      times: 1,
      ...stripeError(500, 'api_error', null, 'An unknown error occurred.'),
    });
    const stripe = await standIn(routes);

    const first = await postInvoice(sendBody(), { key, stripe });
    expect(first.status).toBe(502);
    expect(((await first.json()) as Record<string, any>).error).toMatchObject({
      code: 'api_error',
      step: 'finalize',
      retryable: true,
    });
    expect(await readInvoice(invoice)).toMatchObject({ status: 'error' });
    expect(await sendRow(key)).toMatchObject({ state: 'retryable', step: 'finalize' });

    const second = await postInvoice(sendBody(), { key, stripe });
    expect(second.status).toBe(201);
    expect(await second.json()).toMatchObject({
      status: 'pending',
      error: null,
      number: /STANDIN/,
    });

    const seen = await stripe.requests();
    expect(seen.map((r) => r.idempotencyKey)).toEqual([
      `${key}:customer`,
      `${key}:invoice`,
      `${key}:item:0`,
      `${key}:finalize`,
      `${key}:finalize`,
      `${key}:send`,
    ]);
    await stripe.expectNoSurprises();
  });

  it('takes over a send whose worker stopped mid-way once its lease lapses', async () => {
    const key = newKey();
    const invoice = stripeId('in');
    const routes = sendRoutes({ invoice: { id: invoice, customer: stripeId('cus') }, items: 2 });
    const second = routes.find((route) => route.path === '/v1/invoiceitems');
    if (second) second.times = 1;
    // The second item's call never answers in this attempt: the connection drops.
    routes.push({ method: 'POST', path: '/v1/invoiceitems', times: 1, drop: true });
    const stripe = await standIn(routes);
    const body = sendBody({
      customer: stripeId('cus'),
      items: [
        { description: 'One', unit_amount: 100, quantity: 1 },
        { description: 'Two', unit_amount: 200, quantity: 1 },
      ],
    });

    expect((await postInvoice(body, { key, stripe })).status).toBe(502);
    // As if the worker had died holding the send: running, with a lease that has lapsed.
    await env.DB.prepare(
      "update invoice_sends set state = 'running', lease_token = 'gone', lease_until = 1 where idempotency_key = ?",
    )
      .bind(key)
      .run();
    await stripe.script([
      ...routes
        .filter((route) => route.path !== '/v1/invoices' && !route.drop)
        .map((r) => ({ ...r })),
    ]);

    const resumed = await postInvoice(body, { key, stripe });

    expect(resumed.status).toBe(201);
    const seen = await stripe.requests();
    expect(seen.map((r) => r.idempotencyKey)).toEqual([
      `${key}:item:1`,
      `${key}:finalize`,
      `${key}:send`,
    ]);
    expect(seen[0]?.form.description).toBe('Two');
    await stripe.expectNoSurprises();
  });
});
