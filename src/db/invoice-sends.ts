/**
 * The record of each `POST /api/invoices` request, keyed by its `Idempotency-Key`.
 *
 * One request works on a key at a time. It claims the key with a lease (a random token and an
 * expiry, renewed at every step it records); a second request with the same key while the lease
 * holds is told the first is in progress. A lease that lapses (the worker was stopped mid-send) may
 * be taken over by a retry, which resumes from the recorded step; if the first request was only
 * slow, its next write finds the lease gone and it stops, so two requests never both record.
 * Stripe's own idempotency keys make the calls the two may both have made harmless.
 */
import { and, eq, lt, or, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { trackStatements, type InvoiceDetails } from './invoices.ts';
import { invoices, invoiceSends, type InvoiceRow, type InvoiceSendRow } from './schema.ts';
import { INITIAL_STATE_KEY } from '../invoices/status.ts';
import type { SendStep, StripeFailure } from '../stripe/send-invoice.ts';

/** How long a claim holds without a recorded step. Longer than any one Stripe call may take. */
export const LEASE_MS = 60_000;

export type Claim =
  /** This request now works on the send (new, retryable, or taken over from a lapsed lease). */
  | { kind: 'claimed'; send: InvoiceSendRow }
  /** The key was used with another request body. */
  | { kind: 'reused' }
  /** Another request holds the key. */
  | { kind: 'in_progress'; leaseUntil: number }
  /** The send has ended; its answer is replayed. */
  | { kind: 'ended'; send: InvoiceSendRow };

export interface ClaimInput {
  key: string;
  requestHash: string;
  accountId: string;
  token: string;
  nowMs: number;
}

/** Claims `key` for this request, in one statement, or says why not. */
export async function claimSend(db: Database, input: ClaimInput): Promise<Claim> {
  const lease = { leaseToken: input.token, leaseUntil: input.nowMs + LEASE_MS };

  const claimed = await db
    .insert(invoiceSends)
    .values({
      idempotencyKey: input.key,
      requestHash: input.requestHash,
      stripeAccountId: input.accountId,
      state: 'running',
      step: 'customer',
      createdAt: input.nowMs,
      updatedAt: input.nowMs,
      ...lease,
    })
    .onConflictDoUpdate({
      target: invoiceSends.idempotencyKey,
      set: { ...lease, state: 'running', updatedAt: input.nowMs },
      setWhere: and(
        eq(invoiceSends.requestHash, input.requestHash),
        or(
          eq(invoiceSends.state, 'retryable'),
          and(eq(invoiceSends.state, 'running'), lt(invoiceSends.leaseUntil, input.nowMs)),
        ),
      ),
    })
    .returning();

  if (claimed[0]) return { kind: 'claimed', send: claimed[0] };

  const existing = await getSend(db, input.key);
  if (!existing) throw new Error('invoice send vanished while claiming it');

  if (existing.requestHash !== input.requestHash) return { kind: 'reused' };
  if (existing.state === 'running')
    return { kind: 'in_progress', leaseUntil: existing.leaseUntil ?? 0 };
  return { kind: 'ended', send: existing };
}

export async function getSend(db: Database, key: string): Promise<InvoiceSendRow | null> {
  const rows = await db.select().from(invoiceSends).where(eq(invoiceSends.idempotencyKey, key));
  return rows[0] ?? null;
}

export async function getInvoice(db: Database, invoiceId: string): Promise<InvoiceRow | null> {
  const rows = await db.select().from(invoices).where(eq(invoices.stripeInvoiceId, invoiceId));
  return rows[0] ?? null;
}

/** Identifies the request that holds a send. */
export interface Holder {
  key: string;
  token: string;
}

const held = (holder: Holder) =>
  and(eq(invoiceSends.idempotencyKey, holder.key), eq(invoiceSends.leaseToken, holder.token));

/** For statements on `invoices` in a batch: true while this request still holds the send. */
/**
 * For a statement on `invoices`: this request still holds its send, and the invoice row is on the
 * send's account (a row another account already tracks under that id is never touched).
 */
const stillHeld = (holder: Holder) =>
  sql`exists (select 1 from ${invoiceSends} where ${held(holder)}
    and ${invoiceSends.stripeAccountId} = ${invoices.stripeAccountId})`;

export type Progress = Partial<
  Pick<InvoiceSendRow, 'stripeCustomerId' | 'itemsCreated'> & { step: SendStep }
>;

/** Records a step and renews the lease; false when the lease was lost to another request. */
export async function recordProgress(
  db: Database,
  holder: Holder,
  progress: Progress,
  nowMs: number,
): Promise<boolean> {
  const rows = await db
    .update(invoiceSends)
    .set({ ...progress, leaseUntil: nowMs + LEASE_MS, updatedAt: nowMs })
    .where(held(holder))
    .returning({ key: invoiceSends.idempotencyKey });
  return rows.length > 0;
}

/**
 * Records that Stripe has the invoice: the send points at it, and the invoice is tracked as
 * `pending` from now on, in one batch with the events about it that arrived first (webhooks can
 * beat the create call's answer). `held` is false when the lease was lost (the invoice is tracked
 * anyway); `trackedAccount` is the account the invoice's row is on, which differs from the send's
 * only if that id was already tracked for another account.
 */
export async function recordInvoiceCreated(
  db: Database,
  holder: Holder,
  accountId: string,
  invoiceId: string,
  details: InvoiceDetails,
  nowMs: number,
): Promise<{ held: boolean; trackedAccount: string | null }> {
  const [, , , pointed, rows] = await db.batch([
    ...trackStatements(db, invoiceId, accountId, nowMs, details),
    db
      .update(invoiceSends)
      .set({
        stripeInvoiceId: invoiceId,
        step: 'items',
        leaseUntil: nowMs + LEASE_MS,
        updatedAt: nowMs,
      })
      .where(held(holder))
      .returning({ key: invoiceSends.idempotencyKey }),
    db
      .select({ account: invoices.stripeAccountId })
      .from(invoices)
      .where(eq(invoices.stripeInvoiceId, invoiceId)),
  ]);
  return { held: pointed.length > 0, trackedAccount: rows[0]?.account ?? null };
}

/** Copies what Stripe now says of the invoice (number, amount, URL...) onto its record. */
export async function recordInvoiceDetails(
  db: Database,
  invoiceId: string,
  accountId: string,
  details: InvoiceDetails,
  nowMs: number,
): Promise<void> {
  await db
    .update(invoices)
    .set({ ...details, updatedAt: nowMs })
    .where(and(eq(invoices.stripeInvoiceId, invoiceId), eq(invoices.stripeAccountId, accountId)));
}

/**
 * Ends a send that went through: the answer is 201 from now on, and an `error` left by an earlier
 * attempt of the same request is cleared (back to `pending`, unless an event has moved it since).
 */
export async function finishSent(
  db: Database,
  holder: Holder,
  invoiceId: string,
  details: InvoiceDetails,
  nowMs: number,
): Promise<InvoiceRow | null> {
  const [, , rows] = await db.batch([
    db
      .update(invoices)
      .set({
        ...details,
        errorCode: null,
        errorMessage: null,
        status: sql`case
          when ${invoices.status} = 'error' and ${invoices.stateKey} = ${INITIAL_STATE_KEY}
          then 'pending' else ${invoices.status} end`,
        updatedAt: nowMs,
      })
      .where(and(eq(invoices.stripeInvoiceId, invoiceId), stillHeld(holder))),
    db
      .update(invoiceSends)
      .set({
        state: 'sent',
        step: 'done',
        errorCode: null,
        errorMessage: null,
        httpStatus: 201,
        leaseToken: null,
        leaseUntil: null,
        updatedAt: nowMs,
      })
      .where(held(holder)),
    db.select().from(invoices).where(eq(invoices.stripeInvoiceId, invoiceId)),
  ]);
  return rows[0] ?? null;
}

/**
 * Ends an attempt that Stripe refused. The send keeps Stripe's error and the step it failed at;
 * when Stripe already had the invoice, the invoice is marked `error` too, unless an event has
 * already moved it (a paid invoice stays paid), so a later webhook or the reconciler can still
 * settle it. A retryable failure leaves the key open for the same request to resume.
 */
export async function finishFailed(
  db: Database,
  holder: Holder,
  invoiceId: string | null,
  failure: StripeFailure,
  nowMs: number,
): Promise<void> {
  const markSend = db
    .update(invoiceSends)
    .set({
      state: failure.retryable ? 'retryable' : 'error',
      errorCode: failure.code,
      errorMessage: failure.message,
      httpStatus: 502,
      leaseToken: null,
      leaseUntil: null,
      updatedAt: nowMs,
    })
    .where(held(holder));

  if (invoiceId === null) {
    await markSend;
    return;
  }

  // The invoice first: marking the send releases the lease its guard checks.
  await db.batch([
    db
      .update(invoices)
      .set({
        errorCode: failure.code,
        errorMessage: failure.message,
        status: sql`case when ${invoices.stateKey} = ${INITIAL_STATE_KEY}
          then 'error' else ${invoices.status} end`,
        updatedAt: nowMs,
      })
      .where(and(eq(invoices.stripeInvoiceId, invoiceId), stillHeld(holder))),
    markSend,
  ]);
}

/** Lets the same request resume at once after this one broke off without a Stripe answer. */
export async function releaseSend(db: Database, holder: Holder, nowMs: number): Promise<void> {
  await db
    .update(invoiceSends)
    .set({ state: 'retryable', leaseToken: null, leaseUntil: null, updatedAt: nowMs })
    .where(held(holder));
}
