/**
 * Builds realistic Stripe invoice events and signs them the way Stripe does.
 *
 * The invoice body is Stripe's own example invoice for the newest API version we hold
 * (stripe/openapi fixtures3.json, 2026-07-29.dahlia), with the fields each event type changes set
 * coherently. Used by the tests and by `npm run send-event`.
 */
import Stripe from 'stripe';
import baseInvoice from '../fixtures/stripe/stripe-openapi/invoice.HEAD-2026-07-29.dahlia.json' with { type: 'json' };
import deletedInvoice from '../fixtures/stripe/stripe-openapi/deleted_invoice.HEAD-2026-07-29.dahlia.json' with { type: 'json' };

/** The API version the installed SDK speaks, which Stripe stamps on events it sends us. */
export const CURRENT_API_VERSION: string = Stripe.API_VERSION;

export interface EventOptions {
  invoice: string;
  account?: string | null;
  created?: number;
  id?: string;
  livemode?: boolean;
  apiVersion?: string;
  /** Overrides the invoice's `status` after the type has set it. */
  status?: string | null;
  paidAt?: number | null;
}

let sequence = 0;

/** A unique, Stripe-shaped event id. */
export function eventId(): string {
  sequence += 1;
  const random = crypto.randomUUID().replaceAll('-', '').slice(0, 16);
  return `evt_${random}${String(sequence).padStart(8, '0')}`;
}

type Invoice = Record<string, unknown>;

function invoiceFor(type: string, opts: EventOptions, created: number): Invoice {
  if (type === 'invoice.deleted') return { ...deletedInvoice, id: opts.invoice };

  const invoice: Invoice = structuredClone(baseInvoice) as Invoice;
  invoice.id = opts.invoice;
  invoice.livemode = opts.livemode ?? false;
  invoice.collection_method = 'send_invoice';
  invoice.created = created - 3600;

  const finalizedAt = created - 3000;
  const transitions = {
    finalized_at: finalizedAt,
    marked_uncollectible_at: null as number | null,
    paid_at: null as number | null,
    voided_at: null as number | null,
  };

  switch (type) {
    case 'invoice.paid':
    case 'invoice.payment_succeeded':
      invoice.status = 'paid';
      transitions.paid_at = opts.paidAt === undefined ? created - 1 : opts.paidAt;
      invoice.amount_paid = invoice.amount_due;
      invoice.amount_remaining = 0;
      invoice.attempted = true;
      invoice.attempt_count = 1;
      break;
    case 'invoice.payment_failed':
      invoice.status = 'open';
      invoice.attempted = true;
      invoice.attempt_count = 1;
      break;
    case 'invoice.voided':
      invoice.status = 'void';
      transitions.voided_at = created;
      break;
    case 'invoice.marked_uncollectible':
      invoice.status = 'uncollectible';
      transitions.marked_uncollectible_at = created;
      break;
    case 'invoice.created':
      invoice.status = 'draft';
      transitions.finalized_at = null as unknown as number;
      break;
    default:
      invoice.status = 'open';
  }

  invoice.status_transitions = transitions;
  if (opts.status !== undefined) invoice.status = opts.status;
  return invoice;
}

/** A full event envelope of `type` for one invoice. */
export function invoiceEvent(type: string, opts: EventOptions): Record<string, unknown> {
  const created = opts.created ?? Math.floor(Date.now() / 1000);

  return {
    id: opts.id ?? eventId(),
    object: 'event',
    api_version: opts.apiVersion ?? CURRENT_API_VERSION,
    created,
    data: { object: invoiceFor(type, opts, created) },
    livemode: opts.livemode ?? false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    ...(opts.account === null ? {} : { account: opts.account ?? 'acct_1TestConnected' }),
  };
}

const cryptoProvider = Stripe.createSubtleCryptoProvider();

/** A `Stripe-Signature` header for `payload`, made by the SDK's own test helper. */
export function signatureHeader(payload: string, secret: string, timestamp?: number) {
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret,
    timestamp: timestamp ?? Math.floor(Date.now() / 1000),
    cryptoProvider,
  });
}
