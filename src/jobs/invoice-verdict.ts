/**
 * What Stripe's answer about an invoice means for our record: a map from Stripe's `status` to a
 * verdict, read the same way for every API version from 2020 to today.
 *
 * Only a complete answer can change a status: the answer must be this invoice, and a `paid` one
 * must say when it was paid. Anything less is an `invalid_response`, retried next run, so a
 * partial or garbled answer never marks anything.
 */
import * as z from 'zod';
import type { TargetStatus } from '../invoices/status.ts';
import { failure, type Failure } from './stripe-errors.ts';
import { MAX_UNIX_SECONDS } from '../stripe/event.ts';

/** The invoice fields the reconciler reads. Loose: every API version adds fields. */
const stripeInvoice = z.looseObject({
  id: z.string(),
  object: z.literal('invoice'),
  deleted: z.boolean().optional(),
  status: z.string().nullish(),
  livemode: z.boolean().optional(),
  attempted: z.boolean().nullish(),
  attempt_count: z.number().int().nullish(),
  amount_paid: z.number().int().nullish(),
  // The same bound as webhooks: a paid time no Date can hold is not an answer to act on.
  status_transitions: z
    .looseObject({ paid_at: z.number().int().min(0).max(MAX_UNIX_SECONDS).nullish() })
    .nullish(),
});

type StripeInvoice = z.infer<typeof stripeInvoice>;

export type Verdict =
  /** Stripe's state asks for `status`; `observed` names what Stripe said, for the event type. */
  | { kind: 'change'; status: TargetStatus; paidAt: number | null; observed: string; note: string }
  /** Stripe's state means no change (open, draft), or is the status we already hold. */
  | { kind: 'same'; note: string }
  | { kind: 'failed'; failure: Failure };

const change = (
  status: TargetStatus,
  observed: string,
  note: string,
  paidAt: number | null = null,
) => ({ kind: 'change', status, paidAt, observed, note }) as const;

/** An open invoice whose collection was tried and failed, with no money received. */
function failedAttempt(invoice: StripeInvoice): boolean {
  return (
    invoice.attempted === true &&
    (invoice.attempt_count ?? 0) > 0 &&
    (invoice.amount_paid ?? 0) === 0
  );
}

type Reader = (invoice: StripeInvoice) => Verdict;

const BY_STATUS: Readonly<Record<string, Reader>> = {
  paid: (invoice) => {
    const paidAt = invoice.status_transitions?.paid_at;
    if (paidAt == null) {
      return { kind: 'failed', failure: failure('invalid_response', 'paid without paid_at') };
    }
    return change('paid', 'paid', 'Stripe: paid', paidAt);
  },
  void: () => change('void', 'void', 'Stripe: void'),
  uncollectible: () => change('uncollectible', 'uncollectible', 'Stripe: uncollectible'),
  open: (invoice) =>
    failedAttempt(invoice)
      ? change(
          'payment_failed',
          'payment_failed',
          `Stripe: open after ${invoice.attempt_count} failed attempt(s)`,
        )
      : { kind: 'same', note: 'Stripe: open, no failed attempt' },
  draft: () => ({ kind: 'same', note: 'Stripe: draft' }),
};

/** The reader for a status, as an own property only (a status of `constructor` finds nothing). */
function readerFor(status: string | null | undefined): Reader | undefined {
  return status && Object.hasOwn(BY_STATUS, status) ? BY_STATUS[status] : undefined;
}

/**
 * Reads Stripe's answer for `invoiceId`. `current` is our record's status and paid time: an
 * answer that asks for what we already hold is `same`, so a stable invoice adds no history.
 */
export function verdictFor(
  answer: unknown,
  invoiceId: string,
  current: { status: string; paidAt: number | null },
): Verdict {
  const parsed = stripeInvoice.safeParse(answer);
  if (!parsed.success) {
    return { kind: 'failed', failure: failure('invalid_response', 'answer is not an invoice') };
  }

  const invoice = parsed.data;
  if (invoice.id !== invoiceId) {
    return { kind: 'failed', failure: failure('invalid_response', 'answer is another invoice') };
  }

  // Only a draft can be deleted; one that is gone will never be paid.
  const verdict: Verdict = invoice.deleted
    ? change('void', 'deleted', 'Stripe: deleted (a deleted draft), so voided')
    : (readerFor(invoice.status)?.(invoice) ?? {
        kind: 'same',
        note: `Stripe: status ${String(invoice.status ?? 'missing').slice(0, 40)}, not acted on`,
      });

  if (
    verdict.kind === 'change' &&
    verdict.status === current.status &&
    (verdict.status !== 'paid' || verdict.paidAt === current.paidAt)
  ) {
    return { kind: 'same', note: verdict.note };
  }
  return verdict;
}
