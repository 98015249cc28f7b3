/**
 * What webhook deliveries have looked like lately: the last verified event, outcomes over the last
 * hour and day, rejections (from the aggregated counters), and which signing secret matched.
 *
 * Only `source = 'webhook'` rows count as deliveries; the reconciler records its changes in the
 * same table. Duplicates are not recorded twice, so "verified" counts distinct events.
 */
import { and, count, desc, eq, gte, max, sum } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { invoiceEvents, webhookRejections } from '../db/schema.ts';
import type { SigningSecret } from '../lib/config.ts';
import { secretLabel } from '../lib/config.ts';
import { isoFromMillis } from '../lib/time.ts';
import { SIGNATURE_FAILURE_REASONS } from './rejection-counter.ts';

const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;

export interface WindowCounts {
  /** Verified events recorded, by outcome. */
  by_outcome: Record<string, number>;
  verified: number;
  /** Deliveries whose signature did not check out (approximate; see docs/ops.md). */
  signature_failures: number;
  /** Every rejection before recording, by reason (approximate). */
  rejected_by_reason: Record<string, number>;
}

export interface SecretUse {
  secret: string;
  endpoint: 'platform' | 'connect';
  role: 'current' | 'previous';
  configured: boolean;
  events_last_day: number;
  last_matched_at: string | null;
}

export interface DeliveryStats {
  last_event: {
    id: string;
    type: string;
    account: string | null;
    outcome: string;
    secret: string | null;
    received_at: string | null;
  } | null;
  last_hour: WindowCounts;
  last_day: WindowCounts;
  secrets: SecretUse[];
}

const fromWebhook = (sinceMs: number) =>
  and(eq(invoiceEvents.source, 'webhook'), gte(invoiceEvents.receivedAt, sinceMs));

function window(
  outcomes: { outcome: string; n: number }[],
  rejections: { reason: string; n: string | number | null }[],
): WindowCounts {
  const byOutcome = Object.fromEntries(outcomes.map((row) => [row.outcome, row.n]));
  const byReason = Object.fromEntries(rejections.map((row) => [row.reason, Number(row.n ?? 0)]));
  const signatureFailures = SIGNATURE_FAILURE_REASONS.reduce(
    (total, reason) => total + (byReason[reason] ?? 0),
    0,
  );

  return {
    by_outcome: byOutcome,
    verified: outcomes.reduce((total, row) => total + row.n, 0),
    signature_failures: signatureFailures,
    rejected_by_reason: byReason,
  };
}

/** Parses a stored secret label such as `connect:1`. */
function parseLabel(label: string): { endpoint: 'platform' | 'connect'; index: number } | null {
  const match = /^(platform|connect):(\d+)$/.exec(label);
  if (!match) return null;
  return { endpoint: match[1] as 'platform' | 'connect', index: Number(match[2]) };
}

/** Every configured secret, and any label seen in the last day that is no longer configured. */
function secretUse(
  configured: SigningSecret[],
  seen: { secret: string | null; n: number; last: number | null }[],
): SecretUse[] {
  const byLabel = new Map(seen.flatMap((row) => (row.secret ? [[row.secret, row]] : [])));
  const labels = new Set([...configured.map(secretLabel), ...byLabel.keys()]);

  return [...labels].sort().flatMap((label) => {
    const parsed = parseLabel(label);
    if (!parsed) return [];
    const row = byLabel.get(label);
    return [
      {
        secret: label,
        endpoint: parsed.endpoint,
        role: parsed.index === 0 ? ('current' as const) : ('previous' as const),
        configured: configured.some((secret) => secretLabel(secret) === label),
        events_last_day: row?.n ?? 0,
        last_matched_at: isoFromMillis(row?.last ?? null),
      },
    ];
  });
}

/** Reads delivery figures in one D1 batch. */
export async function deliveryStats(
  db: Database,
  secrets: SigningSecret[],
  nowMs: number,
): Promise<DeliveryStats> {
  const hourAgo = nowMs - HOUR_MS;
  const dayAgo = nowMs - DAY_MS;

  const outcomes = (sinceMs: number) =>
    db
      .select({ outcome: invoiceEvents.outcome, n: count() })
      .from(invoiceEvents)
      .where(fromWebhook(sinceMs))
      .groupBy(invoiceEvents.outcome);

  const rejections = (sinceMs: number) =>
    db
      .select({ reason: webhookRejections.reason, n: sum(webhookRejections.count) })
      .from(webhookRejections)
      .where(gte(webhookRejections.bucketStart, sinceMs - (sinceMs % 60_000)))
      .groupBy(webhookRejections.reason);

  const [last, hourOutcomes, dayOutcomes, hourRejections, dayRejections, bySecret] = await db.batch(
    [
      db
        .select()
        .from(invoiceEvents)
        .where(eq(invoiceEvents.source, 'webhook'))
        .orderBy(desc(invoiceEvents.receivedAt), desc(invoiceEvents.id))
        .limit(1),
      outcomes(hourAgo),
      outcomes(dayAgo),
      rejections(hourAgo),
      rejections(dayAgo),
      db
        .select({ secret: invoiceEvents.secret, n: count(), last: max(invoiceEvents.receivedAt) })
        .from(invoiceEvents)
        .where(fromWebhook(dayAgo))
        .groupBy(invoiceEvents.secret),
    ],
  );

  const event = last[0];

  return {
    last_event: event
      ? {
          id: event.id,
          type: event.type,
          account: event.account,
          outcome: event.outcome,
          secret: event.secret,
          received_at: isoFromMillis(event.receivedAt),
        }
      : null,
    last_hour: window(hourOutcomes, hourRejections),
    last_day: window(dayOutcomes, dayRejections),
    secrets: secretUse(secrets, bySecret),
  };
}
