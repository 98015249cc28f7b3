/**
 * Tracking and reading invoice records.
 *
 * Tracking an invoice also settles what Stripe already said about it: events that arrived while
 * the invoice was untracked were recorded with what they would set, and the strongest of them
 * (by the same precedence key as live events) is applied in the same batch that creates the row.
 */
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from './client.ts';
import { invoiceEvents, invoices, type InvoiceEventRow, type InvoiceRow } from './schema.ts';
import { INITIAL_STATE_KEY } from '../invoices/status.ts';

export type TrackResult = {
  kind: 'created' | 'existing' | 'corrected' | 'conflict';
  invoice: InvoiceRow;
};

/** What the worker knows of an invoice when it starts tracking it, beyond its id and account. */
export type InvoiceDetails = Partial<
  Pick<
    InvoiceRow,
    'stripeCustomerId' | 'number' | 'amountDue' | 'currency' | 'hostedInvoiceUrl' | 'dueDate'
  >
>;

/**
 * The statements that start tracking an invoice as `pending` and settle its held events: an insert
 * that does nothing when the row exists, then the held events applied and settled. Run them in one
 * batch (callers may add their own statements to it).
 */
export function trackStatements(
  db: Database,
  invoiceId: string,
  accountId: string,
  nowMs: number,
  details: InvoiceDetails = {},
) {
  const insert = db
    .insert(invoices)
    .values({
      ...details,
      stripeInvoiceId: invoiceId,
      stripeAccountId: accountId,
      status: 'pending',
      stateKey: INITIAL_STATE_KEY,
      createdAt: nowMs,
      updatedAt: nowMs,
    })
    .onConflictDoNothing()
    .returning({ id: invoices.stripeInvoiceId });

  return [
    insert,
    applyHeldEvents(db, invoiceId, accountId, nowMs),
    settleHeldEvents(db, invoiceId, accountId),
  ] as const;
}

/**
 * Starts tracking an invoice as `pending`; idempotent for the same account.
 *
 * With `correctAccount`, an invoice tracked under another account is moved to this one, but only
 * while nothing has happened to it (still `pending`, no event applied): the way to fix a typo.
 * Events from the corrected account that were refused as `account_mismatch` are then held again
 * and applied like any event that arrived before tracking.
 */
export async function trackInvoice(
  db: Database,
  invoiceId: string,
  accountId: string,
  nowMs: number,
  correctAccount = false,
): Promise<TrackResult> {
  const untouchedElsewhere = and(
    eq(invoices.stripeInvoiceId, invoiceId),
    sql`${invoices.stripeAccountId} <> ${accountId}`,
    eq(invoices.status, 'pending'),
    eq(invoices.stateKey, INITIAL_STATE_KEY),
  );

  const correct = db
    .update(invoices)
    .set({ stripeAccountId: accountId, updatedAt: nowMs })
    .where(correctAccount ? untouchedElsewhere : sql`0`)
    .returning({ id: invoices.stripeInvoiceId });

  const rehold = db
    .update(invoiceEvents)
    .set({ outcome: 'untracked' })
    .where(
      and(
        eq(invoiceEvents.invoiceId, invoiceId),
        eq(invoiceEvents.outcome, 'account_mismatch'),
        eq(invoiceEvents.account, accountId),
        correctAccount ? sql`1` : sql`0`,
      ),
    );

  const [corrected, , inserted, , , rows] = await db.batch([
    correct,
    rehold,
    ...trackStatements(db, invoiceId, accountId, nowMs),
    db.select().from(invoices).where(eq(invoices.stripeInvoiceId, invoiceId)),
  ]);

  const invoice = rows[0];
  if (!invoice) throw new Error('tracked invoice row missing after insert');

  if (invoice.stripeAccountId !== accountId) return { kind: 'conflict', invoice };
  if (corrected.length > 0) return { kind: 'corrected', invoice };
  return { kind: inserted.length > 0 ? 'created' : 'existing', invoice };
}

/** Held events: recorded for this invoice before it was tracked, from its own account. */
function heldFilter(invoiceId: string, accountId: string) {
  return sql`${invoiceEvents.invoiceId} = ${invoiceId}
    and ${invoiceEvents.outcome} = 'untracked'
    and ${invoiceEvents.account} = ${accountId}
    and ${invoiceEvents.targetStatus} is not null`;
}

function applyHeldEvents(db: Database, invoiceId: string, accountId: string, nowMs: number) {
  const held = heldFilter(invoiceId, accountId);

  // The strongest held change: the same choice live delivery would have ended with.
  const strongest = (column: SQL) => sql`(select ${column} from ${invoiceEvents} where ${held}
    order by ${invoiceEvents.stateKey} desc limit 1)`;

  return db
    .update(invoices)
    .set({
      status: strongest(sql`${invoiceEvents.targetStatus}`),
      paidAt: strongest(sql`${invoiceEvents.targetPaidAt}`),
      stateKey: strongest(sql`${invoiceEvents.stateKey}`),
      statusEventId: strongest(sql`${invoiceEvents.id}`),
      updatedAt: nowMs,
    })
    .where(
      and(
        eq(invoices.stripeInvoiceId, invoiceId),
        eq(invoices.stripeAccountId, accountId),
        sql`${invoices.stateKey} < coalesce(
          (select max(${invoiceEvents.stateKey}) from ${invoiceEvents} where ${held}), '')`,
      ),
    );
}

function settleHeldEvents(db: Database, invoiceId: string, accountId: string) {
  const owner = sql`select 1 from ${invoices}
    where ${invoices.stripeInvoiceId} = ${invoiceId}
      and ${invoices.stripeAccountId} = ${accountId}`;
  const setter = sql`select ${invoices.statusEventId} from ${invoices}
    where ${invoices.stripeInvoiceId} = ${invoiceId}`;

  return db
    .update(invoiceEvents)
    .set({
      outcome: sql`case
        when ${invoiceEvents.account} is not ${accountId} then 'account_mismatch'
        when ${invoiceEvents.id} = (${setter}) then 'applied'
        when ${invoiceEvents.targetStatus} is null then 'noted'
        else 'superseded'
      end`,
    })
    .where(
      and(
        eq(invoiceEvents.invoiceId, invoiceId),
        eq(invoiceEvents.outcome, 'untracked'),
        sql`exists (${owner})`,
      ),
    );
}

/** How many recorded events an invoice read returns; a real invoice has a handful. */
export const EVENTS_PER_INVOICE = 500;

/** One invoice with its recorded events, newest first; null when not tracked. */
export async function getInvoiceWithEvents(
  db: Database,
  invoiceId: string,
): Promise<{ invoice: InvoiceRow; events: InvoiceEventRow[]; truncated: boolean } | null> {
  const [rows, events] = await db.batch([
    db.select().from(invoices).where(eq(invoices.stripeInvoiceId, invoiceId)),
    db
      .select()
      .from(invoiceEvents)
      .where(eq(invoiceEvents.invoiceId, invoiceId))
      .orderBy(desc(invoiceEvents.created), desc(invoiceEvents.receivedAt), desc(invoiceEvents.id))
      .limit(EVENTS_PER_INVOICE + 1),
  ]);

  const invoice = rows[0];
  if (!invoice) return null;

  const truncated = events.length > EVENTS_PER_INVOICE;
  return { invoice, events: events.slice(0, EVENTS_PER_INVOICE), truncated };
}
