/**
 * The reconciler's reads and bookkeeping on `invoices`. Status changes never happen here: they go
 * through `recordAndApply` (db/apply-event.ts) so the ordering rules hold. These statements only
 * stamp when an invoice was checked and what went wrong, and never touch `updated_at`, which
 * stays the time of the last status change.
 */
import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { invoices } from './schema.ts';

/**
 * The statuses Stripe may still move: everything but `paid` and `void`. `error` is an invoice
 * whose sending failed after Stripe had created it (a row exists only with a Stripe id), so
 * Stripe's view can still settle it.
 */
export const RECONCILED_STATUSES = ['pending', 'payment_failed', 'uncollectible', 'error'] as const;

/** A stale invoice as the run sees it when it starts. */
export interface StaleInvoice {
  id: string;
  account: string;
  status: string;
  paidAt: number | null;
  failures: number;
}

/**
 * Up to `limit` invoices Stripe may still move whose last change and last check are both older
 * than `staleBefore`, not backed off, never-checked and oldest-checked first. Invoices a run did
 * not reach keep their old check time, so they come first in the next run.
 */
export function selectStale(
  db: Database,
  nowMs: number,
  staleBefore: number,
  limit: number,
): Promise<StaleInvoice[]> {
  return db
    .select({
      id: invoices.stripeInvoiceId,
      account: invoices.stripeAccountId,
      status: invoices.status,
      paidAt: invoices.paidAt,
      failures: invoices.reconcileFailures,
    })
    .from(invoices)
    .where(
      and(
        inArray(invoices.status, [...RECONCILED_STATUSES]),
        lte(invoices.updatedAt, staleBefore),
        or(isNull(invoices.reconcileCheckedAt), lte(invoices.reconcileCheckedAt, staleBefore)),
        or(isNull(invoices.reconcileBackoffUntil), lte(invoices.reconcileBackoffUntil, nowMs)),
      ),
    )
    .orderBy(
      sql`coalesce(${invoices.reconcileCheckedAt}, 0)`,
      asc(invoices.updatedAt),
      asc(invoices.stripeInvoiceId),
    )
    .limit(limit);
}

/** Stripe answered: clear any failure and remember what it said. */
export function markChecked(db: Database, id: string, note: string, nowMs: number) {
  return db
    .update(invoices)
    .set({
      reconcileCheckedAt: nowMs,
      reconcileBackoffUntil: null,
      reconcileFailures: 0,
      reconcileError: null,
      reconcileReason: note,
    })
    .where(eq(invoices.stripeInvoiceId, id));
}

/** An answer retrying won't change: record it and skip the invoice until `until`. */
export function markBackedOff(
  db: Database,
  id: string,
  failure: { kind: string; reason: string },
  failures: number,
  until: number,
  nowMs: number,
) {
  return db
    .update(invoices)
    .set({
      reconcileCheckedAt: nowMs,
      reconcileBackoffUntil: until,
      reconcileFailures: failures,
      reconcileError: failure.kind,
      reconcileReason: failure.reason,
    })
    .where(eq(invoices.stripeInvoiceId, id));
}

/**
 * A fault of the moment: record what it was, and stamp the check time at `retryFrom`, the oldest
 * time that is still stale. The invoice is then eligible again at the next run, but behind every
 * invoice not checked since: a set of invoices Stripe keeps failing on can never fill every batch
 * and starve the rest.
 */
export function markTransientFailure(
  db: Database,
  id: string,
  failure: { kind: string; reason: string },
  retryFrom: number,
) {
  return db
    .update(invoices)
    .set({
      reconcileCheckedAt: retryFrom,
      reconcileError: failure.kind,
      reconcileReason: failure.reason,
    })
    .where(eq(invoices.stripeInvoiceId, id));
}
