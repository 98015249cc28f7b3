/**
 * `?live=1` on an invoice: Stripe's current view of it, read as its connected account, and whether
 * our record agrees.
 *
 * Agreement is by status family, not string equality: Stripe says `open` both before any attempt
 * (our `pending`) and after a failed one (our `payment_failed`), and `draft` is our `pending`.
 */
import Stripe from 'stripe';
import type { InvoiceRow } from '../db/schema.ts';
import { isoFromSeconds } from '../lib/time.ts';
import { stripeClient } from '../stripe/client.ts';

/** The local statuses that agree with each Stripe invoice status. */
const AGREEING: Record<string, readonly string[]> = {
  draft: ['pending'],
  open: ['pending', 'payment_failed'],
  paid: ['paid'],
  void: ['void'],
  uncollectible: ['uncollectible'],
};

export type LiveView =
  | {
      found: true;
      status: string | null;
      paid_at: string | null;
      amount_due: number | null;
      amount_paid: number | null;
      currency: string | null;
      livemode: boolean | null;
      differs: boolean;
      differences: string[];
    }
  | { found: false; differs: true; differences: string[] }
  | { error: { type: string; status: number | null; code: string | null } };

function differences(local: InvoiceRow, stripe: Stripe.Invoice): string[] {
  const found: string[] = [];
  const remote = stripe.status ?? null;
  const agreeing = remote === null ? [] : (AGREEING[remote] ?? []);

  if (!agreeing.includes(local.status)) {
    found.push(`status: ours is ${local.status}, Stripe's is ${remote ?? 'unset'}`);
  }

  const remotePaidAt = stripe.status_transitions?.paid_at ?? null;
  if (local.status === 'paid' && remote === 'paid' && local.paidAt !== remotePaidAt) {
    const ours = isoFromSeconds(local.paidAt);
    found.push(`paid_at: ours is ${ours}, Stripe's is ${isoFromSeconds(remotePaidAt)}`);
  }
  return found;
}

/** Retrieves the invoice from Stripe and compares it with `local`. Never throws. */
export async function liveView(
  local: InvoiceRow,
  options: { secretKey: string | null; apiBase: string | null },
): Promise<LiveView> {
  if (options.secretKey === null) {
    return { error: { type: 'not_configured', status: null, code: 'stripe_secret_key_missing' } };
  }

  const stripe = stripeClient({
    secretKey: options.secretKey,
    apiBase: options.apiBase,
    timeoutMs: 8_000,
  });

  try {
    const invoice = await stripe.invoices.retrieve(
      local.stripeInvoiceId,
      {},
      { stripeAccount: local.stripeAccountId },
    );
    const found = differences(local, invoice);
    return {
      found: true,
      status: invoice.status ?? null,
      paid_at: isoFromSeconds(invoice.status_transitions?.paid_at ?? null),
      amount_due: invoice.amount_due ?? null,
      amount_paid: invoice.amount_paid ?? null,
      currency: invoice.currency ?? null,
      livemode: invoice.livemode ?? null,
      differs: found.length > 0,
      differences: found,
    };
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) {
      return {
        found: false,
        differs: true,
        differences: ['Stripe has no such invoice on this account'],
      };
    }
    if (err instanceof Stripe.errors.StripeError) {
      // Not Stripe's message: an authentication error quotes part of the key.
      return {
        error: {
          type: err.rawType ?? err.type,
          status: err.statusCode ?? null,
          code: err.code ?? null,
        },
      };
    }
    return { error: { type: 'network', status: null, code: null } };
  }
}
