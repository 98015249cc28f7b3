/**
 * Sending one invoice: customer, draft invoice, its items, finalize, send, each step recorded.
 *
 * The record is stored as soon as Stripe has the invoice, before its items, finalization and
 * sending: Stripe's `invoice.finalized`, `invoice.sent` and even `invoice.paid` can arrive while
 * the later calls are in flight, and must find the invoice tracked (those that beat even the
 * create call's answer are held and applied when it is stored, see db/invoices.ts). A send that
 * resumes (the same request again, after a retryable failure or a lapsed lease) skips the steps
 * its record says are done, and repeats the others with the same Stripe idempotency keys.
 */
import type Stripe from 'stripe';
import type { Database } from '../db/client.ts';
import {
  finishFailed,
  finishSent,
  recordInvoiceCreated,
  recordInvoiceDetails,
  recordProgress,
  releaseSend,
  type Holder,
} from '../db/invoice-sends.ts';
import type { InvoiceDetails } from '../db/invoices.ts';
import type { InvoiceRow, InvoiceSendRow } from '../db/schema.ts';
import {
  SEND_STEPS,
  stripeFailure,
  type InvoiceDraft,
  type SendCalls,
  type SendStep,
  type StripeFailure,
} from '../stripe/send-invoice.ts';
import type { SendRequest } from './send-request.ts';

export type SendResult =
  | { kind: 'sent'; invoice: InvoiceRow }
  | { kind: 'failed'; step: SendStep; failure: StripeFailure; invoiceId: string | null }
  /** Another request took the send over; this one stops without recording anything more. */
  | { kind: 'lost_lease' };

export interface SendContext {
  db: Database;
  calls: SendCalls;
  holder: Holder;
  request: SendRequest;
  now: () => number;
}

class LostLease extends Error {}

/** The invoice id Stripe returned is already tracked for another connected account. */
class AccountConflict extends Error {}

const ACCOUNT_CONFLICT: StripeFailure = {
  code: 'invoice_account_conflict',
  message: 'The invoice Stripe created is already tracked for another connected account.',
  retryable: false,
};

class StepFailed extends Error {
  constructor(
    readonly step: SendStep,
    readonly error: unknown,
  ) {
    super(step);
  }
}

const reached = (send: InvoiceSendRow, step: SendStep) =>
  SEND_STEPS.indexOf(send.step as SendStep) > SEND_STEPS.indexOf(step);

/** What the record keeps of a Stripe invoice. */
export function invoiceDetails(invoice: Stripe.Invoice): InvoiceDetails {
  const customer = invoice.customer;
  return {
    stripeCustomerId: typeof customer === 'string' ? customer : (customer?.id ?? null),
    number: invoice.number ?? null,
    amountDue: invoice.amount_due ?? null,
    currency: invoice.currency ?? null,
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    dueDate: invoice.due_date ?? null,
  };
}

/** Runs (or resumes) the send held by `ctx.holder`, starting from what `send` records. */
export async function runSend(ctx: SendContext, send: InvoiceSendRow): Promise<SendResult> {
  let invoiceId = send.stripeInvoiceId;

  try {
    const customerId = await ensureCustomer(ctx, send);
    const draft: InvoiceDraft = {
      customerId,
      currency: ctx.request.currency,
      daysUntilDue: ctx.request.days_until_due,
      description: ctx.request.description,
      metadata: ctx.request.metadata,
    };

    invoiceId ??= await createInvoice(ctx, draft);
    await createItems(ctx, send, invoiceId, draft);

    if (!reached(send, 'finalize')) {
      const finalized = await step('finalize', () => ctx.calls.finalize(invoiceId as string));
      await recordInvoiceDetails(
        ctx.db,
        invoiceId,
        ctx.request.stripe_account_id,
        invoiceDetails(finalized),
        ctx.now(),
      );
      await progress(ctx, { step: 'send' });
    }

    const sent = await step('send', () => ctx.calls.send(invoiceId as string));
    const invoice = await finishSent(
      ctx.db,
      ctx.holder,
      invoiceId,
      invoiceDetails(sent),
      ctx.now(),
    );
    if (!invoice) throw new Error('sent invoice row missing');
    return { kind: 'sent', invoice };
  } catch (err) {
    if (err instanceof LostLease) return { kind: 'lost_lease' };
    if (!(err instanceof StepFailed)) {
      // Most likely D1 failed: free the key (if D1 lets us) so a retry need not wait for the lease.
      await releaseSend(ctx.db, ctx.holder, ctx.now()).catch(() => undefined);
      throw err;
    }

    const failure =
      err.error instanceof AccountConflict
        ? ACCOUNT_CONFLICT
        : stripeFailure(err.error, ctx.holder.key);
    await finishFailed(ctx.db, ctx.holder, invoiceId, failure, ctx.now());
    return { kind: 'failed', step: err.step, failure, invoiceId };
  }
}

async function step<T>(name: SendStep, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new StepFailed(name, err);
  }
}

async function progress(ctx: SendContext, change: Parameters<typeof recordProgress>[2]) {
  if (!(await recordProgress(ctx.db, ctx.holder, change, ctx.now()))) throw new LostLease();
}

async function ensureCustomer(ctx: SendContext, send: InvoiceSendRow): Promise<string> {
  if (send.stripeCustomerId) return send.stripeCustomerId;

  const wanted = ctx.request.customer;
  const id =
    typeof wanted === 'string'
      ? wanted
      : (await step('customer', () => ctx.calls.createCustomer(wanted))).id;

  await progress(ctx, { stripeCustomerId: id, step: 'invoice' });
  return id;
}

async function createInvoice(ctx: SendContext, draft: InvoiceDraft): Promise<string> {
  const invoice = await step('invoice', () => ctx.calls.createInvoice(draft));
  if (!invoice.id) throw new StepFailed('invoice', new Error('Stripe returned no invoice id'));

  const account = ctx.request.stripe_account_id;
  const details = invoiceDetails(invoice);
  const created = await recordInvoiceCreated(
    ctx.db,
    ctx.holder,
    account,
    invoice.id,
    details,
    ctx.now(),
  );
  if (!created.held) throw new LostLease();
  if (created.trackedAccount !== account) throw new StepFailed('invoice', new AccountConflict());
  return invoice.id;
}

async function createItems(
  ctx: SendContext,
  send: InvoiceSendRow,
  invoiceId: string,
  draft: InvoiceDraft,
): Promise<void> {
  if (reached(send, 'items')) return;

  for (let index = send.itemsCreated; index < ctx.request.items.length; index += 1) {
    const item = ctx.request.items[index];
    if (!item) break;
    await step('items', () => ctx.calls.createItem(invoiceId, draft, item, index));
    await progress(ctx, { itemsCreated: index + 1 });
  }

  await progress(ctx, { step: 'finalize' });
}
