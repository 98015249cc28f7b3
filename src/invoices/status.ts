/**
 * Invoice statuses and the order in which one state may replace another.
 *
 * Stripe delivers events at least once and in no fixed order, often several in one second, so the
 * stored state must not depend on arrival order. Each state change gets a precedence key, and a
 * change is written only when its key is greater than the stored one (the guard lives in SQL, see
 * db/apply-event.ts). Because "keep the greatest" is commutative, every delivery order of the same
 * events ends in the state that in-order delivery gives.
 *
 * The order, from weakest to strongest:
 * - the initial `pending` state (key "0");
 * - `payment_failed` and `uncollectible`: the newer event wins; in the same second
 *   `uncollectible` wins, because Stripe marks an invoice uncollectible after failed attempts;
 * - `void`: final against everything but `paid`;
 * - `paid`: final. Money has moved, so a paid invoice never goes back, not even to `void`
 *   (Stripe never produces both for one invoice; if it ever did, we keep the fact that money
 *   arrived). Among several paid events the earliest wins, so `paid_at` never moves later.
 * Remaining ties (same type, same second) go to the greater event id: arbitrary, but the same
 * whatever the arrival order.
 *
 * `error` is set by the worker itself, not by an event: a send that failed after Stripe had the
 * invoice (see invoices/send.ts). It keeps the initial key, so every event still applies to it,
 * and it is only written over the initial key, so it never hides what an event already said.
 */

export const INVOICE_STATUSES = [
  'pending',
  'paid',
  'payment_failed',
  'void',
  'uncollectible',
  'error',
] as const;

export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** The statuses an event can move an invoice to. */
export type TargetStatus = Extract<
  InvoiceStatus,
  'paid' | 'payment_failed' | 'void' | 'uncollectible'
>;

/** The key of an invoice no event has touched yet. Every event key sorts above it. */
export const INITIAL_STATE_KEY = '0';

const FINAL_TIER: Record<TargetStatus, string> = {
  payment_failed: '1',
  uncollectible: '1',
  void: '2',
  paid: '3',
};

const SAME_SECOND_RANK: Record<TargetStatus, string> = {
  payment_failed: '1',
  uncollectible: '2',
  void: '0',
  paid: '0',
};

// Twelve digits hold unix seconds until the year 33658; keys compare as text.
const MAX_SECONDS = 999_999_999_999;

const pad = (value: number): string => String(value).padStart(12, '0');

/**
 * The precedence key of a change to `status` carried by an event created at `created` (unix
 * seconds) with id `eventId`. Keys compare as plain text, so SQLite can guard on them.
 */
export function stateKey(status: TargetStatus, created: number, eventId: string): string {
  const seconds = Math.min(Math.max(Math.trunc(created), 0), MAX_SECONDS);
  const isFinal = status === 'paid' || status === 'void';

  // Final states keep the earliest event, open ones the newest.
  const time = isFinal ? pad(MAX_SECONDS - seconds) : pad(seconds);

  return `${FINAL_TIER[status]}:${time}:${SAME_SECOND_RANK[status]}:${eventId}`;
}
