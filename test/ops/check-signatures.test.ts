import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FLUSH_INTERVAL_MS } from '../../src/ops/rejection-counter.ts';
import { invoiceEvent, signatureHeader } from '../factories/events.ts';
import { codes, ops } from '../helpers/ops.ts';
import {
  deliver,
  newInvoiceId,
  PLATFORM_PREVIOUS_SECRET,
  PLATFORM_SECRET,
  postWebhook,
  track,
} from '../helpers/worker.ts';

/** Stored rejection counts, straight from D1. */
async function storedRejections() {
  const rows = await env.DB.prepare(
    'select reason, sum(count) as n from webhook_rejections group by reason',
  ).all<{ reason: string; n: number }>();
  return Object.fromEntries(rows.results.map((row) => [row.reason, row.n]));
}

async function badDelivery() {
  const body = JSON.stringify(invoiceEvent('invoice.paid', { invoice: newInvoiceId() }));
  const header = await signatureHeader(body, 'whsec_an_attacker_guess');
  return postWebhook(body, header);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('signature failures in GET /ops/check', () => {
  it('start at zero, and verified events are counted by outcome and by secret', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    await deliver(invoiceEvent('invoice.payment_failed', { invoice }));
    await deliver(invoiceEvent('invoice.paid', { invoice }), { secret: PLATFORM_PREVIOUS_SECRET });
    await deliver(invoiceEvent('invoice.sent', { invoice: newInvoiceId() }), {
      secret: PLATFORM_SECRET,
    });

    const res = await ops('/ops/check');

    expect(res.status).toBe(200);
    expect(res.body.deliveries.last_hour).toEqual({
      by_outcome: { applied: 2, untracked: 1 },
      verified: 3,
      signature_failures: 0,
      rejected_by_reason: {},
    });
    expect(res.body.deliveries.secrets).toEqual([
      expect.objectContaining({ secret: 'connect:0', role: 'current', events_last_day: 1 }),
      expect.objectContaining({ secret: 'platform:0', role: 'current', events_last_day: 1 }),
      expect.objectContaining({ secret: 'platform:1', role: 'previous', events_last_day: 1 }),
    ]);
    expect(res.body.findings).toContainEqual(
      expect.objectContaining({
        code: 'secrets.previous_in_use',
        details: { secret: 'platform:1' },
      }),
    );
  });

  it('are counted in memory and written as one aggregate, not a row per request', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });

    for (let i = 0; i < 25; i += 1) expect((await badDelivery()).status).toBe(400);

    // The isolate's first rejection is written at once; the rest wait for the interval.
    expect(await storedRejections()).toEqual({ no_matching_signature: 1 });
    const rowsBefore = await env.DB.prepare('select count(*) as n from webhook_rejections').first<{
      n: number;
    }>();
    expect(rowsBefore?.n).toBe(1);

    vi.setSystemTime(Date.now() + FLUSH_INTERVAL_MS + 1);
    expect((await postWebhook('{}', null)).status).toBe(400);

    expect(await storedRejections()).toEqual({ no_matching_signature: 25, missing_header: 1 });
    // Nothing the sender sent is stored: only our reason labels, minute buckets and counts.
    const columns = await env.DB.prepare('select * from webhook_rejections limit 1').first();
    expect(Object.keys(columns ?? {}).sort()).toEqual(['bucket_start', 'count', 'reason']);
  });

  it('make the check unhealthy once they outnumber verified events in the last hour', async () => {
    const res = await ops('/ops/check');

    expect(res.status).toBe(503);
    expect(res.body.deliveries.last_hour).toMatchObject({
      verified: 3,
      signature_failures: 26,
      rejected_by_reason: { no_matching_signature: 25, missing_header: 1 },
    });
    expect(res.body.findings).toContainEqual(
      expect.objectContaining({
        code: 'deliveries.signature_failures',
        severity: 'error',
        details: { failures: 26, verified: 3 },
      }),
    );
  });

  it('no longer count against health once they are more than an hour old', async () => {
    await env.DB.prepare('update webhook_rejections set bucket_start = bucket_start - ?')
      .bind(2 * 3600_000)
      .run();
    const res = await ops('/ops/check');

    expect(res.status).toBe(200);
    expect(res.body.deliveries.last_hour.signature_failures).toBe(0);
    expect(res.body.deliveries.last_day.signature_failures).toBe(26);
    expect(codes(res.body)).not.toContain('deliveries.signature_failures');
  });

  it('are not counted for a signed body that is not an event', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * FLUSH_INTERVAL_MS });
    const body = JSON.stringify({ hello: 'world' });
    const header = await signatureHeader(body, PLATFORM_SECRET, Math.floor(Date.now() / 1000));
    expect((await postWebhook(body, header)).status).toBe(400);

    const res = await ops('/ops/check');
    expect(res.body.deliveries.last_hour).toMatchObject({
      signature_failures: 0,
      rejected_by_reason: { invalid_envelope: 1 },
    });
  });

  it('include the counts the checking isolate has not flushed yet', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 4 * FLUSH_INTERVAL_MS });
    for (let i = 0; i < 4; i += 1) await badDelivery();

    // Four against the three verified events of the first test: unhealthy straight away.
    const res = await ops('/ops/check');
    expect(res.body.deliveries.last_hour.signature_failures).toBe(4);
    expect(res.status).toBe(503);
  });
});
