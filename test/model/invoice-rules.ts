/**
 * An independent model of what the worker must end with, for the load run and property tests.
 *
 * Written from the rules stated at the top of src/invoices/status.ts and the event table in
 * src/stripe/invoice-events.ts, not from their code: it compares two candidate states directly
 * instead of building precedence keys, so a mistake in the key encoding shows up as a difference.
 * Pure TypeScript with no imports, so it runs both in Node (bench/load.ts) and in workerd.
 */

/** What the model needs to know about one delivered event. */
export interface ModelEvent {
  id: string;
  type: string;
  /** Unix seconds, Stripe's `created`. */
  created: number;
  account: string | null;
  livemode: boolean;
  /** `data.object.status` as sent. */
  invoiceStatus: string | null;
  /** `data.object.status_transitions.paid_at` as sent. */
  paidAt: number | null;
}

export type ModelStatus = 'pending' | 'paid' | 'payment_failed' | 'void' | 'uncollectible';

/** What one event asks for, before looking at other events. */
export type ModelEffect =
  | { kind: 'livemode_mismatch' | 'ignored' | 'noted' | 'account_mismatch' }
  | { kind: 'change'; status: Exclude<ModelStatus, 'pending'>; paidAt: number | null };

export interface ModelState {
  status: ModelStatus;
  paidAt: number | null;
  /** The event that set the state, or null while `pending`. */
  eventId: string | null;
}

const NOTE_TYPES = new Set([
  'invoice.created',
  'invoice.finalized',
  'invoice.finalization_failed',
  'invoice.sent',
  'invoice.updated',
  'invoice.payment_action_required',
]);

/**
 * The effect of `event` on an invoice tracked for `account`, with the worker in test mode unless
 * `liveWorker`. An event for another account never changes the invoice.
 */
export function effectOf(event: ModelEvent, account: string, liveWorker = false): ModelEffect {
  if (event.livemode !== liveWorker) return { kind: 'livemode_mismatch' };

  let change: ModelEffect;
  switch (event.type) {
    case 'invoice.paid':
    case 'invoice.payment_succeeded':
      // Only an invoice Stripe reports as paid (or that carries no status at all) is paid.
      if (event.invoiceStatus !== null && event.invoiceStatus !== 'paid')
        return { kind: 'ignored' };
      change = { kind: 'change', status: 'paid', paidAt: event.paidAt ?? event.created };
      break;
    case 'invoice.payment_failed':
      change = {
        kind: 'change',
        status: event.invoiceStatus === 'uncollectible' ? 'uncollectible' : 'payment_failed',
        paidAt: null,
      };
      break;
    case 'invoice.voided':
    case 'invoice.deleted':
      change = { kind: 'change', status: 'void', paidAt: null };
      break;
    case 'invoice.marked_uncollectible':
      change = { kind: 'change', status: 'uncollectible', paidAt: null };
      break;
    default:
      if (!NOTE_TYPES.has(event.type)) return { kind: 'ignored' };
      change = { kind: 'noted' };
  }

  if (event.account !== account) return { kind: 'account_mismatch' };
  return change;
}

const TIER: Record<ModelStatus, number> = {
  pending: 0,
  payment_failed: 1,
  uncollectible: 1,
  void: 2,
  paid: 3,
};

interface Candidate {
  status: ModelStatus;
  created: number;
  id: string;
}

/** Whether `next` replaces `current` under the rules; a total order, so delivery order is moot. */
export function beats(next: Candidate, current: Candidate): boolean {
  if (TIER[next.status] !== TIER[current.status]) {
    return TIER[next.status] > TIER[current.status];
  }
  if (next.status === 'pending') return false;

  if (next.created !== current.created) {
    // Open states follow the newest event; final ones keep the earliest.
    const final = next.status === 'paid' || next.status === 'void';
    return final ? next.created < current.created : next.created > current.created;
  }

  if (next.status !== current.status) return next.status === 'uncollectible';
  return next.id > current.id;
}

/** The state an invoice tracked for `account` ends in after `events`, in the order given. */
export function finalState(events: ModelEvent[], account: string, liveWorker = false): ModelState {
  let state: ModelState = { status: 'pending', paidAt: null, eventId: null };
  let current: Candidate = { status: 'pending', created: -1, id: '' };

  for (const event of events) {
    const effect = effectOf(event, account, liveWorker);
    if (effect.kind !== 'change') continue;

    const candidate: Candidate = { status: effect.status, created: event.created, id: event.id };
    if (beats(candidate, current)) {
      current = candidate;
      state = { status: effect.status, paidAt: effect.paidAt, eventId: event.id };
    }
  }
  return state;
}

/**
 * The outcomes a recorded event may carry once everything is delivered and its invoice tracked.
 * A change that lost may say `applied` (it was the best when it arrived) or `superseded`; the
 * winner always says `applied`.
 */
export function allowedOutcomes(
  event: ModelEvent,
  account: string,
  winner: string | null,
  liveWorker = false,
): string[] {
  const effect = effectOf(event, account, liveWorker);
  if (effect.kind !== 'change') return [effect.kind];
  return event.id === winner ? ['applied'] : ['applied', 'superseded'];
}
