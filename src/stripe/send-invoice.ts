/**
 * The Stripe calls that send one invoice on a connected account, and what their errors mean.
 *
 * Every call carries the connected account (`Stripe-Account`) and an idempotency key derived from
 * the client's `Idempotency-Key` and the call's place in the send (`<key>:customer`,
 * `<key>:invoice`, `<key>:item:<n>`, `<key>:finalize`, `<key>:send`). A retry of the same request,
 * by the client or by a takeover after a crash, makes the same calls with the same keys, so Stripe
 * answers them with what it did the first time instead of doing it again (for 24 hours, Stripe's
 * limit; the send's stored progress skips calls already done after that).
 *
 * The invoice is created first, as a draft that never advances on its own and takes no pending
 * items, and the items are created on it by id. Creating items first and letting the invoice pick
 * up the customer's pending items (the Stripe CLI's recipe) would sweep in any other pending item
 * of an existing customer, including another send's running at the same time.
 */
import Stripe from 'stripe';
import { log, redact } from '../lib/log.ts';

/** The steps of a send, in order; a send's `step` names the one it reached. */
export const SEND_STEPS = ['customer', 'invoice', 'items', 'finalize', 'send', 'done'] as const;

export type SendStep = (typeof SEND_STEPS)[number];

export interface LineItem {
  description: string;
  unit_amount: number;
  quantity: number;
}

export interface InvoiceDraft {
  customerId: string;
  currency: string;
  daysUntilDue: number;
  description?: string;
  metadata?: Record<string, string>;
}

/** The Stripe calls of one send, bound to its account and idempotency key. */
export function sendCalls(stripe: Stripe, account: string, key: string) {
  const options = (call: string): Stripe.RequestOptions => ({
    stripeAccount: account,
    idempotencyKey: `${key}:${call}`,
  });

  return {
    createCustomer: (customer: { email: string; name: string }) =>
      stripe.customers.create({ email: customer.email, name: customer.name }, options('customer')),

    createInvoice: (draft: InvoiceDraft) =>
      stripe.invoices.create(
        {
          customer: draft.customerId,
          currency: draft.currency,
          collection_method: 'send_invoice',
          days_until_due: draft.daysUntilDue,
          // Only this send moves it: an abandoned draft is never finalized or mailed by Stripe.
          auto_advance: false,
          pending_invoice_items_behavior: 'exclude',
          ...(draft.description === undefined ? {} : { description: draft.description }),
          ...(draft.metadata === undefined ? {} : { metadata: draft.metadata }),
        },
        options('invoice'),
      ),

    createItem: (invoiceId: string, draft: InvoiceDraft, item: LineItem, index: number) =>
      stripe.invoiceItems.create(
        {
          invoice: invoiceId,
          customer: draft.customerId,
          currency: draft.currency,
          description: item.description,
          unit_amount_decimal: Stripe.Decimal.from(item.unit_amount),
          quantity: item.quantity,
        },
        options(`item:${index}`),
      ),

    finalize: (invoiceId: string) =>
      stripe.invoices.finalizeInvoice(invoiceId, {}, options('finalize')),

    send: (invoiceId: string) => stripe.invoices.sendInvoice(invoiceId, {}, options('send')),
  };
}

export type SendCalls = ReturnType<typeof sendCalls>;

/** A failed Stripe call, as the worker records and answers it. */
export interface StripeFailure {
  /** Stripe's error code (`resource_missing`, `account_invalid`...), or a fallback of ours. */
  code: string;
  /** Stripe's message, with keys taken out. */
  message: string;
  /** Whether the same request may succeed later (no answer, 429, 5xx, a lock): then resumable. */
  retryable: boolean;
}

const MAX_MESSAGE = 500;

/** What a thrown error from a Stripe call means; `idempotencyKey` is kept out of the message. */
export function stripeFailure(err: unknown, idempotencyKey: string): StripeFailure {
  if (!(err instanceof Stripe.errors.StripeError)) {
    // The SDK wraps every network failure in a StripeError, so this one happened on our side
    // (while building the request): the detail goes to the log, the caller may retry.
    log.error('invoice.send_local_error', {
      error: err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 200) : 'unknown',
    });
    return { code: 'stripe_unreachable', message: 'Stripe did not answer.', retryable: true };
  }

  const status = err.statusCode;
  const noAnswer = status === undefined || err instanceof Stripe.errors.StripeConnectionError;
  const retryable = noAnswer || status === 429 || status === 409 || status >= 500;

  const code = err.code ?? (noAnswer ? 'stripe_unreachable' : (err.rawType ?? 'stripe_error'));
  // Stripe quotes keys in some messages ("Invalid API Key provided: sk_test_****1234").
  const message = redact(err.message)
    .split(idempotencyKey)
    .join('[idempotency key]')
    .slice(0, MAX_MESSAGE);

  return { code, message: message || 'Stripe returned an error.', retryable };
}
