import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { ops } from '../helpers/ops.ts';
import { standIn } from '../helpers/stripe-stand-in.ts';
import { deliver, newInvoiceId, PLATFORM_SECRET, track } from '../helpers/worker.ts';

const ACCOUNT = 'acct_1OpsList';
const OTHER = 'acct_1OpsOther';
const ids: string[] = [];

/** Tracks an invoice whose last change was `minutesAgo`. */
async function trackedAt(minutesAgo: number, account = ACCOUNT) {
  const id = newInvoiceId();
  await track(id, account);
  const at = Date.UTC(2026, 11, 1) - minutesAgo * 60_000;
  await env.DB.prepare(
    'update invoices set updated_at = ?, created_at = ? where stripe_invoice_id = ?',
  )
    .bind(at, at, id)
    .run();
  return id;
}

beforeAll(async () => {
  // Seven invoices one minute apart, newest first in `ids`; one on another account.
  for (let i = 0; i < 7; i += 1) ids.unshift(await trackedAt(100 - i, i === 3 ? OTHER : ACCOUNT));
});

describe('GET /ops/invoices', () => {
  it('lists newest first and pages with an opaque cursor until the end', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;

    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const res = await ops(`/ops/invoices${query}`);
      expect(res.status).toBe(200);
      expect(res.body.invoices.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.invoices.map((i: any) => i.stripe_invoice_id));
      cursor = res.body.next_cursor;
      pages += 1;
    } while (cursor);

    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('filters by status, account and updated-since', async () => {
    await deliver(invoiceEvent('invoice.paid', { invoice: ids[6] as string, account: ACCOUNT }));

    const paid = await ops('/ops/invoices?status=paid');
    expect(paid.body.invoices.map((i: any) => i.stripe_invoice_id)).toEqual([ids[6]]);

    const other = await ops(`/ops/invoices?account=${OTHER}`);
    expect(other.body.invoices.map((i: any) => i.stripe_invoice_id)).toEqual([ids[3]]);

    const since = new Date(Date.UTC(2026, 11, 1) - 95.5 * 60_000).toISOString();
    const recent = await ops(`/ops/invoices?status=pending&updated_since=${since}`);
    expect(recent.body.invoices.map((i: any) => i.stripe_invoice_id)).toEqual(ids.slice(0, 2));
  });

  it.each([
    ['?status=lost', 'status'],
    ['?account=cus_123', 'account'],
    ['?updated_since=yesterday', 'updated_since'],
    ['?limit=0', 'limit'],
    ['?limit=201', 'limit'],
    ['?cursor=not-a-cursor', 'cursor'],
    ['?colour=blue', '(body)'],
  ])('answers 422 to %s', async (query, path) => {
    const res = await ops(`/ops/invoices${query}`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.issues.map((i: any) => i.path)).toContain(path);
  });
});

describe('GET /ops/invoices/:id', () => {
  it('shows every event in order with outcome and secret, and why the invoice is in its state', async () => {
    const invoice = newInvoiceId();
    const failed = invoiceEvent('invoice.payment_failed', { invoice, created: 1_800_000_000 });
    const paid = invoiceEvent('invoice.paid', { invoice, created: 1_800_000_100 });
    const lateFailure = invoiceEvent('invoice.payment_failed', { invoice, created: 1_800_000_050 });

    await deliver(failed);
    await track(invoice);
    await deliver(paid, { secret: PLATFORM_SECRET });
    await deliver(lateFailure);

    const res = await ops(`/ops/invoices/${invoice}`);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stripe_invoice_id: invoice, status: 'paid' });
    expect(res.body.events.map((e: any) => [e.id, e.outcome, e.secret])).toEqual([
      // Held until tracking, then applied; later replaced by the payment.
      [failed.id, 'applied', 'connect:0'],
      [lateFailure.id, 'superseded', 'connect:0'],
      [paid.id, 'applied', 'platform:0'],
    ]);
    expect(res.body.status_event_id).toBe(paid.id);
    expect(res.body.explanation).toContain(`paid since invoice.paid ${paid.id}`);
    expect(res.body.explanation).toContain('secret platform:0');
    expect(res.body.explanation).toContain('1 later event(s) did not change it');
    expect(res.body).not.toHaveProperty('live');
  });

  it('says when no event has changed a pending invoice, and what its events came to', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    await deliver(invoiceEvent('invoice.finalized', { invoice }));

    const res = await ops(`/ops/invoices/${invoice}`);
    expect(res.body.status_event_id).toBeNull();
    expect(res.body.explanation).toMatch(
      /^pending since tracking started at .+; no event has changed it \(recorded: 1 noted\)\.$/,
    );
  });

  it('answers 404 for an untracked invoice and 422 for a malformed id', async () => {
    expect((await ops('/ops/invoices/in_nobodytracksthis')).status).toBe(404);
    expect((await ops('/ops/invoices/not-an-invoice')).status).toBe(422);
  });

  it('with ?live=1 asks Stripe as the connected account and says the two agree', async () => {
    const invoice = ids[0] as string;
    const stripe = await standIn([
      {
        method: 'GET',
        path: `/v1/invoices/${invoice}`,
        body: {
          id: invoice,
          object: 'invoice',
          status: 'open',
          amount_due: 1000,
          amount_paid: 0,
          currency: 'eur',
          livemode: false,
          status_transitions: { paid_at: null },
        },
      },
    ]);

    const res = await ops(`/ops/invoices/${invoice}?live=1`, { overrides: stripe.env });

    expect(res.body.live).toMatchObject({
      found: true,
      status: 'open',
      differs: false,
      differences: [],
    });
    const [seen] = await stripe.requests();
    expect(seen?.stripeAccount).toBe(ACCOUNT);
    await stripe.expectNoSurprises();
  });

  it('with ?live=1 says how ours and Stripe’s differ', async () => {
    const invoice = ids[1] as string;
    const stripe = await standIn([
      {
        method: 'GET',
        path: `/v1/invoices/${invoice}`,
        body: {
          id: invoice,
          object: 'invoice',
          status: 'paid',
          status_transitions: { paid_at: 1_800_000_000 },
        },
      },
    ]);

    const res = await ops(`/ops/invoices/${invoice}?live=1`, { overrides: stripe.env });

    expect(res.body.status).toBe('pending');
    expect(res.body.live).toMatchObject({
      found: true,
      status: 'paid',
      paid_at: new Date(1_800_000_000_000).toISOString(),
      differs: true,
      differences: ["status: ours is pending, Stripe's is paid"],
    });
  });

  it('with ?live=1 reports a Stripe error or a missing invoice instead of failing', async () => {
    const stripe = await standIn([
      {
        method: 'GET',
        path: `/v1/invoices/${ids[2]}`,
        status: 404,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'resource_missing',
            message: 'No such invoice',
          },
        },
      },
      {
        method: 'GET',
        path: `/v1/invoices/${ids[4]}`,
        status: 403,
        body: {
          error: {
            type: 'invalid_request_error',
            message: 'The provided key does not have access to account',
          },
        },
      },
    ]);

    const missing = await ops(`/ops/invoices/${ids[2]}?live=1`, { overrides: stripe.env });
    expect(missing.status).toBe(200);
    expect(missing.body.live).toMatchObject({ found: false, differs: true });

    const denied = await ops(`/ops/invoices/${ids[4]}?live=1`, { overrides: stripe.env });
    expect(denied.status).toBe(200);
    expect(denied.body.live).toEqual({
      error: { type: 'invalid_request_error', status: 403, code: null },
    });
  });
});
