/**
 * Records a verified event and applies it to its invoice, in one D1 batch (one round trip, one
 * transaction).
 *
 * The batch is three statements:
 * 1. insert the event with outcome `pending`, or nothing if its id is already recorded;
 * 2. update the invoice only if this batch inserted the event (its outcome is still `pending`),
 *    the invoice belongs to the event's account, and the change's precedence key is greater than
 *    the stored one (see invoices/status.ts);
 * 3. settle the event's outcome from what statement 2 did, and return it.
 * D1 runs a batch as one transaction and one batch at a time, so two copies of one event arriving
 * together cannot both apply, and a failure anywhere leaves nothing written for Stripe's retry.
 */
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { invoiceEvents, invoices } from './schema.ts';
import type { TargetStatus } from '../invoices/status.ts';

/** What is known about a verified event before it is written. */
export interface EventRecord {
  id: string;
  source: 'webhook' | 'reconciler' | 'api';
  type: string;
  account: string | null;
  livemode: boolean | null;
  apiVersion: string | null;
  created: number;
  receivedAt: number;
  secret: string | null;
  invoiceId: string | null;
  error: string | null;
}

/** A status change the event asks for, with its precedence key. */
export interface Change {
  status: TargetStatus;
  paidAt: number | null;
  stateKey: string;
}

export type Outcome =
  | 'applied'
  | 'superseded'
  | 'untracked'
  | 'account_mismatch'
  | 'livemode_mismatch'
  | 'noted'
  | 'ignored'
  | 'invalid';

export type WriteResult = { duplicate: true } | { duplicate: false; outcome: Outcome };

/** Records an event whose outcome is known without looking at the invoice. */
export async function recordOnly(
  db: Database,
  event: EventRecord,
  outcome: Outcome,
): Promise<WriteResult> {
  const rows = await db
    .insert(invoiceEvents)
    .values({ ...event, outcome })
    .onConflictDoNothing()
    .returning({ id: invoiceEvents.id });

  return rows.length === 0 ? { duplicate: true } : { duplicate: false, outcome };
}

/**
 * Records an event for one invoice and, when `change` is given, applies it under the order guard.
 * Without a change the event is still tied to the invoice (`noted`), or kept for later when the
 * invoice is not tracked yet (`untracked`).
 */
export async function recordAndApply(
  db: Database,
  event: EventRecord & { invoiceId: string },
  change: Change | null,
  nowMs: number,
): Promise<WriteResult> {
  const insert = db
    .insert(invoiceEvents)
    .values({
      ...event,
      outcome: 'pending',
      targetStatus: change?.status ?? null,
      targetPaidAt: change?.paidAt ?? null,
      stateKey: change?.stateKey ?? null,
    })
    .onConflictDoNothing()
    .returning({ id: invoiceEvents.id });

  const settle = db
    .update(invoiceEvents)
    .set({ outcome: outcomeSql(event, change !== null) })
    .where(and(eq(invoiceEvents.id, event.id), eq(invoiceEvents.outcome, 'pending')))
    .returning({ outcome: invoiceEvents.outcome });

  if (change === null) {
    const [inserted, settled] = await db.batch([insert, settle]);
    return result(inserted, settled);
  }

  const apply = db
    .update(invoices)
    .set({
      status: change.status,
      paidAt: change.paidAt,
      stateKey: change.stateKey,
      statusEventId: event.id,
      updatedAt: nowMs,
    })
    .where(
      and(
        eq(invoices.stripeInvoiceId, event.invoiceId),
        eq(invoices.stripeAccountId, event.account ?? ''),
        lt(invoices.stateKey, change.stateKey),
        sql`exists (select 1 from ${invoiceEvents}
          where ${invoiceEvents.id} = ${event.id} and ${invoiceEvents.outcome} = 'pending')`,
      ),
    );

  const [inserted, , settled] = await db.batch([insert, apply, settle]);
  return result(inserted, settled);
}

function result(inserted: { id: string }[], settled: { outcome: string }[]): WriteResult {
  if (inserted.length === 0) return { duplicate: true };
  return { duplicate: false, outcome: (settled[0]?.outcome ?? 'invalid') as Outcome };
}

/** The outcome, decided inside the batch from the invoice row as statement 2 left it. */
function outcomeSql(event: EventRecord & { invoiceId: string }, hasChange: boolean) {
  const invoice = sql`select 1 from ${invoices}
    where ${invoices.stripeInvoiceId} = ${event.invoiceId}`;
  const sameAccount = sql`${invoice} and ${invoices.stripeAccountId} = ${event.account ?? ''}`;
  const appliedHere = sql`${invoice} and ${invoices.statusEventId} = ${event.id}`;

  return sql`case
    when not exists (${invoice}) then 'untracked'
    when not exists (${sameAccount}) then 'account_mismatch'
    when ${hasChange ? sql`exists (${appliedHere})` : sql`0`} then 'applied'
    when ${hasChange ? sql`1` : sql`0`} then 'superseded'
    else 'noted'
  end`;
}
