/**
 * Why an invoice is in its state, in a sentence, from its record and its recorded events.
 */
import type { InvoiceEventRow, InvoiceRow } from '../db/schema.ts';
import { isoFromMillis, isoFromSeconds } from '../lib/time.ts';

/** "2 noted, 1 account_mismatch": what the recorded events came to. */
function outcomes(events: InvoiceEventRow[]): string {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.outcome, (counts.get(event.outcome) ?? 0) + 1);
  return [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
}

/** Explains the invoice's status: which event set it, or that none has yet. */
export function explainState(invoice: InvoiceRow, events: InvoiceEventRow[]): string {
  const tracked = isoFromMillis(invoice.createdAt);

  if (invoice.statusEventId === null) {
    const base = `${invoice.status} since tracking started at ${tracked}; no event has changed it`;
    return events.length > 0 ? `${base} (recorded: ${outcomes(events)}).` : `${base}.`;
  }

  const setter = events.find((event) => event.id === invoice.statusEventId);
  if (!setter) {
    const id = invoice.statusEventId;
    return `${invoice.status}, set by event ${id} (not in the recorded history).`;
  }

  const via =
    setter.source === 'webhook' ? `webhook (secret ${setter.secret ?? 'unknown'})` : setter.source;
  const later = events.filter(
    (event) => event.outcome === 'superseded' && event.receivedAt >= setter.receivedAt,
  ).length;
  const tail =
    later > 0
      ? ` ${later} later event(s) did not change it: ` +
        'the order rules keep the stronger or earlier state.'
      : '';

  return (
    `${invoice.status} since ${setter.type} ${setter.id} ` +
    `(created ${isoFromSeconds(setter.created)}, ` +
    `received ${isoFromMillis(setter.receivedAt)} via ${via}).${tail}`
  );
}
