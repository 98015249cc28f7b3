/**
 * Stripe's answers to `GET /v1/invoices/:id`, built from Stripe's own example invoice of each API
 * version we hold (test/fixtures/stripe/stripe-openapi), with the fields a state changes set
 * coherently. Older versions carry `paid`; newer ones do not, and the reconciler must not care.
 */
import v2020 from '../fixtures/stripe/stripe-openapi/invoice.2020-08-27.json' with { type: 'json' };
import v2023 from '../fixtures/stripe/stripe-openapi/invoice.2023-08-16.json' with { type: 'json' };
import v2025 from '../fixtures/stripe/stripe-openapi/invoice.2025-11-12.clover.json' with { type: 'json' };
import v2026 from '../fixtures/stripe/stripe-openapi/invoice.HEAD-2026-07-29.dahlia.json' with { type: 'json' };
import deleted from '../fixtures/stripe/stripe-openapi/deleted_invoice.HEAD-2026-07-29.dahlia.json' with { type: 'json' };

const FIXTURES = {
  '2020-08-27': v2020,
  '2023-08-16': v2023,
  '2025-11-12.clover': v2025,
  '2026-07-29.dahlia': v2026,
} as const;

export type ApiVersion = keyof typeof FIXTURES;
export const API_VERSIONS = Object.keys(FIXTURES) as ApiVersion[];

/** Stripe's states as the reconciler sees them; `open_failed` is open after failed attempts. */
export type StripeState = 'draft' | 'open' | 'open_failed' | 'paid' | 'void' | 'uncollectible';

export interface InvoiceOptions {
  version?: ApiVersion;
  paidAt?: number | null;
  attemptCount?: number;
  /** Money already received on an open invoice (a partial payment). */
  amountPaid?: number;
}

const HOUR = 3600;

/** The invoice `id` in `state`, as API `version` answers it. */
export function stripeInvoice(
  id: string,
  state: StripeState,
  opts: InvoiceOptions = {},
): Record<string, unknown> {
  const invoice = structuredClone(FIXTURES[opts.version ?? '2026-07-29.dahlia']) as Record<
    string,
    unknown
  >;
  const now = Math.floor(Date.now() / 1000);
  const finalizedAt = state === 'draft' ? null : now - 30 * HOUR;
  const due = invoice.amount_due as number;

  invoice.id = id;
  invoice.collection_method = 'send_invoice';
  invoice.status = state === 'open_failed' ? 'open' : state;
  invoice.attempted = false;
  invoice.attempt_count = 0;
  invoice.amount_paid = opts.amountPaid ?? 0;
  invoice.amount_remaining = due - (opts.amountPaid ?? 0);

  const transitions = {
    finalized_at: finalizedAt,
    marked_uncollectible_at: state === 'uncollectible' ? now - HOUR : null,
    paid_at: null as number | null,
    voided_at: state === 'void' ? now - HOUR : null,
  };

  if (state === 'open_failed' || state === 'uncollectible') {
    invoice.attempted = true;
    invoice.attempt_count = opts.attemptCount ?? 2;
  }
  if (state === 'paid') {
    invoice.attempted = true;
    invoice.attempt_count = opts.attemptCount ?? 1;
    invoice.amount_paid = due;
    invoice.amount_remaining = 0;
    transitions.paid_at = opts.paidAt === undefined ? now - 2 * HOUR : opts.paidAt;
  }

  invoice.status_transitions = transitions;
  if ('paid' in invoice) invoice.paid = state === 'paid';
  return invoice;
}

/** Stripe's answer for an invoice it deleted (only drafts can be deleted). */
export function deletedStripeInvoice(id: string): Record<string, unknown> {
  return { ...deleted, id };
}

/** Stripe's error body. */
export function stripeError(type: string, message: string, code?: string) {
  return { error: { type, message, ...(code ? { code } : {}) } };
}
