/**
 * The parts of a Stripe event envelope the worker reads, checked with Zod after the signature.
 *
 * Loose on purpose: Stripe adds fields in every API version and events from 2012 lack `object`,
 * `api_version` and `account`, so only what the worker uses is required.
 */
import * as z from 'zod';

const stripeId = z.string().min(1).max(255);

/**
 * Unix seconds up to the end of year 9999: every real Stripe time, and nothing a JavaScript Date
 * or an ISO string cannot hold. A signed event with a time outside this is not a Stripe event.
 */
export const MAX_UNIX_SECONDS = 253_402_300_799;
const unixSeconds = z.number().int().min(0).max(MAX_UNIX_SECONDS);

export const eventEnvelope = z.looseObject({
  id: stripeId,
  type: z.string().min(1).max(255),
  created: unixSeconds,
  livemode: z.boolean().optional(),
  api_version: z.string().max(64).nullish(),
  account: stripeId.nullish(),
  data: z.looseObject({ object: z.looseObject({}) }),
});

export type EventEnvelope = z.infer<typeof eventEnvelope>;

/** The invoice fields the handlers read, across API versions from 2012 to today. */
export const invoiceObject = z.looseObject({
  id: stripeId,
  object: z.literal('invoice').optional(),
  status: z.string().max(32).nullish(),
  status_transitions: z.looseObject({ paid_at: unixSeconds.nullish() }).nullish(),
});

export type InvoiceObject = z.infer<typeof invoiceObject>;

/** Parses an event body; returns a short reason instead of throwing. */
export function parseEvent(
  value: unknown,
): { ok: true; event: EventEnvelope } | { ok: false; reason: string } {
  const parsed = eventEnvelope.safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data };

  const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)');
  return { ok: false, reason: `invalid envelope: ${[...new Set(fields)].join(', ')}` };
}
