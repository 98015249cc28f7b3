import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  API_VERSIONS,
  deletedStripeInvoice,
  stripeInvoice,
  type StripeState,
} from '../factories/stripe-invoices.ts';
import {
  ACCOUNT,
  ageInvoice,
  invoiceRow,
  resetTables,
  retrieveRoute,
  runScheduled,
  runs,
} from '../helpers/reconcile.ts';
import { standIn } from '../helpers/stripe-stand-in.ts';
import { newInvoiceId, readInvoice, track } from '../helpers/worker.ts';

beforeEach(resetTables);

/** A tracked invoice, stale, that Stripe will answer with `answer`. */
async function staleInvoiceAnswering(answer: (id: string) => unknown) {
  const invoice = newInvoiceId();
  await track(invoice, ACCOUNT);
  await ageInvoice(invoice);
  const stripe = await standIn([retrieveRoute(invoice, answer(invoice))]);
  return { invoice, stripe };
}

const PAID_AT = 1_790_000_000;

const CHANGES: { state: StripeState; status: string; paidAt: string | null }[] = [
  { state: 'paid', status: 'paid', paidAt: new Date(PAID_AT * 1000).toISOString() },
  { state: 'void', status: 'void', paidAt: null },
  { state: 'uncollectible', status: 'uncollectible', paidAt: null },
  { state: 'open_failed', status: 'payment_failed', paidAt: null },
];

describe.each(API_VERSIONS)('Stripe answering in API version %s', (version) => {
  it.each(CHANGES)(
    'a pending invoice Stripe reports as $state becomes $status',
    async ({ state, status, paidAt }) => {
      const { invoice, stripe } = await staleInvoiceAnswering((id) =>
        stripeInvoice(id, state, { version, paidAt: PAID_AT }),
      );

      await runScheduled(stripe.env);

      const view = await readInvoice(invoice);
      expect(view.status).toBe(status);
      expect(view.paid_at).toBe(paidAt);
      expect(view.events).toHaveLength(1);
      expect(view.events[0]).toMatchObject({
        source: 'reconciler',
        type: `reconcile.${state === 'open_failed' ? 'payment_failed' : state}`,
        outcome: 'applied',
      });
      expect(view.events[0]?.id).toMatch(/^rcn_[0-9a-f]{32}$/);

      const [seen] = await stripe.requests();
      expect(seen).toMatchObject({
        method: 'GET',
        path: `/v1/invoices/${invoice}`,
        stripeAccount: ACCOUNT,
        authorization: `Bearer ${stripe.key}`,
      });
      await stripe.expectNoSurprises();
    },
  );

  it.each(['open', 'draft'] as const)(
    'a pending invoice Stripe reports as %s stays pending, with no event',
    async (state) => {
      const { invoice, stripe } = await staleInvoiceAnswering((id) =>
        stripeInvoice(id, state, { version }),
      );

      await runScheduled(stripe.env);

      const view = await readInvoice(invoice);
      expect(view.status).toBe('pending');
      expect(view.events).toEqual([]);
      const row = await invoiceRow(invoice);
      expect(row.reconcile_checked_at).not.toBeNull();
      expect(row.reconcile_reason).toMatch(new RegExp(`Stripe: ${state}`));
      await stripe.expectNoSurprises();
    },
  );
});

describe('the mapping’s edges', () => {
  it('an invoice Stripe answers as deleted (a deleted draft) is voided, with the reason', async () => {
    const { invoice, stripe } = await staleInvoiceAnswering(deletedStripeInvoice);

    await runScheduled(stripe.env);

    const view = await readInvoice(invoice);
    expect(view.status).toBe('void');
    expect(view.events[0]).toMatchObject({ type: 'reconcile.deleted', source: 'reconciler' });
    expect((await invoiceRow(invoice)).reconcile_reason).toMatch(/deleted/);
  });

  it('an invoice left in error by a failed send is settled by what Stripe says', async () => {
    const { invoice, stripe } = await staleInvoiceAnswering((id) => stripeInvoice(id, 'paid'));
    await env.DB.prepare("update invoices set status = 'error' where stripe_invoice_id = ?")
      .bind(invoice)
      .run();

    await runScheduled(stripe.env);

    expect((await readInvoice(invoice)).status).toBe('paid');
  });

  it('an open invoice with a failed attempt but money received is not marked failed', async () => {
    const { invoice, stripe } = await staleInvoiceAnswering((id) =>
      stripeInvoice(id, 'open_failed', { amountPaid: 500 }),
    );

    await runScheduled(stripe.env);

    expect((await readInvoice(invoice)).status).toBe('pending');
  });

  it('a payment_failed invoice Stripe still reports failed gains no new event', async () => {
    const { invoice, stripe } = await staleInvoiceAnswering((id) =>
      stripeInvoice(id, 'open_failed'),
    );
    await runScheduled(stripe.env);
    expect((await readInvoice(invoice)).status).toBe('payment_failed');

    // Stale again an hour later: Stripe says the same, so history stays one event long.
    await ageInvoice(invoice);
    await runScheduled(stripe.env);

    const view = await readInvoice(invoice);
    expect(view.events).toHaveLength(1);
    expect(await stripe.requests()).toHaveLength(2);
    expect((await runs()).map((run) => run.changed)).toEqual([1, 0]);
  });

  it('a paid answer without a paid time changes nothing and is retried', async () => {
    const { invoice, stripe } = await staleInvoiceAnswering((id) =>
      stripeInvoice(id, 'paid', { paidAt: null }),
    );

    await runScheduled(stripe.env);

    expect((await readInvoice(invoice)).status).toBe('pending');
    const row = await invoiceRow(invoice);
    expect(row.reconcile_error).toBe('invalid_response');
    // Stamped one stale window back, so the next run asks again.
    expect(row.reconcile_checked_at).toBeLessThanOrEqual(Date.now() - 60 * 60_000);
    expect((await runs())[0]?.errors).toEqual({ invalid_response: 1 });
  });

  it('an answer about another invoice changes nothing', async () => {
    const { invoice, stripe } = await staleInvoiceAnswering(() =>
      stripeInvoice('in_someoneelse', 'paid'),
    );

    await runScheduled(stripe.env);

    expect((await readInvoice(invoice)).status).toBe('pending');
    expect((await invoiceRow(invoice)).reconcile_error).toBe('invalid_response');
  });
});
