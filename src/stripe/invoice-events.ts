/**
 * What each invoice event type does to an invoice: a map from type to handler, not a switch.
 *
 * Handlers go by the event type and the invoice's `status`, never by `paid`: since the 2025 API
 * versions an invoice has no `paid` field, and older payloads can carry a stale one.
 */
import type { TargetStatus } from '../invoices/status.ts';
import { invoiceObject, type EventEnvelope, type InvoiceObject } from './event.ts';

/** What applying an event means for its invoice. */
export type Effect =
  /** Move the invoice to `status` (subject to the order rules). */
  | { kind: 'status'; status: TargetStatus; paidAt: number | null }
  /** Record the event against the invoice; it changes no status. */
  | { kind: 'note' }
  /** Record the event, change nothing, and say why. */
  | { kind: 'skip'; reason: string };

type Handler = (invoice: InvoiceObject, event: EventEnvelope) => Effect;

const to = (status: TargetStatus, paidAt: number | null = null): Effect => ({
  kind: 'status',
  status,
  paidAt,
});

const paid: Handler = (invoice, event) => {
  // A partial payment (2025+ API versions) fires payment_succeeded on an invoice still open.
  if (invoice.status && invoice.status !== 'paid') {
    return { kind: 'skip', reason: `invoice status is ${invoice.status}, not paid` };
  }

  // Stripe's time of payment, not ours; events from before status_transitions fall back to the
  // event's own creation time, which Stripe also set.
  return to('paid', invoice.status_transitions?.paid_at ?? event.created);
};

const failed: Handler = (invoice) =>
  // A failed retry on an invoice already marked uncollectible leaves it uncollectible in Stripe.
  invoice.status === 'uncollectible' ? to('uncollectible') : to('payment_failed');

const note: Handler = () => ({ kind: 'note' });

/** Event types the worker acts on, and the invoice lifecycle events it records without acting. */
const HANDLERS: Readonly<Record<string, Handler>> = {
  'invoice.paid': paid,
  'invoice.payment_succeeded': paid,
  'invoice.payment_failed': failed,
  'invoice.voided': () => to('void'),
  'invoice.marked_uncollectible': () => to('uncollectible'),
  // Only a draft can be deleted; for a tracked record it means the invoice will never be paid.
  'invoice.deleted': () => to('void'),
  'invoice.created': note,
  'invoice.finalized': note,
  'invoice.finalization_failed': note,
  'invoice.sent': note,
  'invoice.updated': note,
  'invoice.payment_action_required': note,
};

/**
 * The handler for an event type, looked up as an own property only: a type such as `constructor`
 * or `__proto__` must not find a method of Object.prototype.
 */
export function handlerFor(type: string): Handler | undefined {
  return Object.hasOwn(HANDLERS, type) ? HANDLERS[type] : undefined;
}

/** The event types that change an invoice's status: what a webhook endpoint should subscribe to. */
export const STATUS_EVENT_TYPES = [
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'invoice.voided',
  'invoice.marked_uncollectible',
] as const;

export type Classified =
  | { handled: false }
  | { handled: true; invoiceId: string; effect: Effect }
  | { handled: true; invoiceId: string | null; invalid: string };

/** Decides what an event means: unhandled, an effect on one invoice, or a malformed payload. */
export function classify(event: EventEnvelope): Classified {
  const handler = handlerFor(event.type);
  if (!handler) return { handled: false };

  const parsed = invoiceObject.safeParse(event.data.object);
  if (!parsed.success) {
    const rawId = (event.data.object as { id?: unknown }).id;
    const invoiceId = typeof rawId === 'string' && rawId.length <= 255 ? rawId : null;
    return { handled: true, invoiceId, invalid: 'data.object is not an invoice' };
  }

  return { handled: true, invoiceId: parsed.data.id, effect: handler(parsed.data, event) };
}
