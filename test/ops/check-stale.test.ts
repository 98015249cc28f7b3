import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { codes, ops } from '../helpers/ops.ts';
import { deliver, newInvoiceId, track } from '../helpers/worker.ts';

const MINUTE = 60_000;

/** Tracks an invoice and moves its tracking time `minutesAgo` into the past. */
async function trackedAgo(minutesAgo: number, account = 'acct_1StaleCheck') {
  const id = newInvoiceId();
  await track(id, account);
  await env.DB.prepare(
    'update invoices set created_at = ?, updated_at = ? where stripe_invoice_id = ?',
  )
    .bind(Date.now() - minutesAgo * MINUTE, Date.now() - minutesAgo * MINUTE, id)
    .run();
  return id;
}

describe('GET /ops/check with pending invoices', () => {
  it('is healthy while pending invoices are younger than the threshold', async () => {
    await trackedAgo(10);
    const res = await ops('/ops/check');

    expect(res.status).toBe(200);
    expect(res.body.invoices.by_status.pending).toBe(1);
    expect(res.body.invoices.stale_pending).toMatchObject({ threshold_minutes: 1440, count: 0 });
  });

  it('is unhealthy when invoices are stale and no event has ever arrived', async () => {
    const oldest = await trackedAgo(3 * 24 * 60);
    const newer = await trackedAgo(2 * 24 * 60);
    const res = await ops('/ops/check');

    expect(res.status).toBe(503);
    expect(res.body.invoices.stale_pending).toMatchObject({
      count: 2,
      oldest_age_minutes: 3 * 24 * 60,
    });
    expect(res.body.invoices.stale_pending.oldest.map((i: any) => i.stripe_invoice_id)).toEqual([
      oldest,
      newer,
    ]);
    expect(res.body.findings).toContainEqual(
      expect.objectContaining({ code: 'invoices.stale_while_silent', severity: 'error' }),
    );
  });

  it('honours OPS_STALE_PENDING_MINUTES', async () => {
    const res = await ops('/ops/check', { overrides: { OPS_STALE_PENDING_MINUTES: '5' } });
    expect(res.body.invoices.stale_pending.count).toBe(3);
    expect(res.body.config.stale_pending_minutes).toBe(5);
  });

  it('only warns about stale invoices while events keep arriving', async () => {
    const other = newInvoiceId();
    await track(other, 'acct_1StaleCheck');
    expect(
      (await deliver(invoiceEvent('invoice.paid', { invoice: other, account: 'acct_1StaleCheck' })))
        .status,
    ).toBe(200);

    const res = await ops('/ops/check');

    expect(res.status).toBe(200);
    expect(codes(res.body)).toContain('invoices.stale_pending');
    expect(codes(res.body)).not.toContain('invoices.stale_while_silent');
    expect(res.body.deliveries.last_event).toMatchObject({
      type: 'invoice.paid',
      account: 'acct_1StaleCheck',
      outcome: 'applied',
      secret: 'connect:0',
    });
  });

  it('is unhealthy again once the last event is older than OPS_SILENCE_MINUTES', async () => {
    await env.DB.prepare('update invoice_events set received_at = ?')
      .bind(Date.now() - 90 * MINUTE)
      .run();

    const quiet = await ops('/ops/check', { overrides: { OPS_SILENCE_MINUTES: '60' } });
    expect(quiet.status).toBe(503);
    expect(quiet.body.findings).toContainEqual(
      expect.objectContaining({
        code: 'invoices.stale_while_silent',
        details: { count: 2, oldest_age_minutes: 3 * 24 * 60, minutes_since_last_event: 90 },
      }),
    );

    expect((await ops('/ops/check')).status).toBe(200);
  });
});
