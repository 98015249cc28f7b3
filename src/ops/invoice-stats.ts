/**
 * Invoice counts by status, and the `pending` invoices tracked longer than the stale threshold.
 *
 * Age is measured from when the worker started tracking the invoice (`created_at`): a pending
 * invoice's `updated_at` only moves when its status does, so the two are the same until then.
 */
import { and, asc, count, eq, lt, min } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { invoices } from '../db/schema.ts';
import { INVOICE_STATUSES } from '../invoices/status.ts';
import { isoFromMillis } from '../lib/time.ts';

/** How many stale invoices the check lists by id; the count covers all of them. */
export const STALE_SAMPLE_SIZE = 20;

export interface StaleInvoice {
  stripe_invoice_id: string;
  stripe_account_id: string;
  tracked_at: string | null;
  age_minutes: number;
}

export interface InvoiceStats {
  by_status: Record<string, number>;
  stale_pending: {
    threshold_minutes: number;
    count: number;
    oldest_tracked_at: string | null;
    oldest_age_minutes: number | null;
    oldest: StaleInvoice[];
  };
}

const ageMinutes = (nowMs: number, thenMs: number) => Math.floor((nowMs - thenMs) / 60_000);

/** Counts and stale pending invoices, in one D1 batch. */
export async function invoiceStats(
  db: Database,
  thresholdMinutes: number,
  nowMs: number,
): Promise<InvoiceStats> {
  const staleBefore = nowMs - thresholdMinutes * 60_000;
  const stale = and(eq(invoices.status, 'pending'), lt(invoices.createdAt, staleBefore));

  const [byStatus, staleTotals, oldest] = await db.batch([
    db.select({ status: invoices.status, n: count() }).from(invoices).groupBy(invoices.status),
    db
      .select({ n: count(), oldest: min(invoices.createdAt) })
      .from(invoices)
      .where(stale),
    db
      .select({
        id: invoices.stripeInvoiceId,
        account: invoices.stripeAccountId,
        createdAt: invoices.createdAt,
      })
      .from(invoices)
      .where(stale)
      .orderBy(asc(invoices.createdAt), asc(invoices.stripeInvoiceId))
      .limit(STALE_SAMPLE_SIZE),
  ]);

  const counts: Record<string, number> = Object.fromEntries(INVOICE_STATUSES.map((s) => [s, 0]));
  for (const row of byStatus) counts[row.status] = row.n;

  const oldestMs = staleTotals[0]?.oldest ?? null;

  return {
    by_status: counts,
    stale_pending: {
      threshold_minutes: thresholdMinutes,
      count: staleTotals[0]?.n ?? 0,
      oldest_tracked_at: isoFromMillis(oldestMs),
      oldest_age_minutes: oldestMs === null ? null : ageMinutes(nowMs, oldestMs),
      oldest: oldest.map((row) => ({
        stripe_invoice_id: row.id,
        stripe_account_id: row.account,
        tracked_at: isoFromMillis(row.createdAt),
        age_minutes: ageMinutes(nowMs, row.createdAt),
      })),
    },
  };
}
