/**
 * Counts rejected webhook deliveries (bad signatures, malformed envelopes) without letting an
 * unauthenticated caller drive D1 writes.
 *
 * Each isolate keeps counts in memory, keyed by minute and by one of the worker's own reason
 * labels, and writes them as one aggregated batch at most once per `FLUSH_INTERVAL_MS` (via
 * `waitUntil`, after the answer is sent). A flood of bad requests therefore costs each isolate one
 * small write per interval, however many requests it sees, and nothing the sender sent is stored.
 *
 * The trade-off: the figures are approximate. Counts an isolate holds when it is evicted before
 * its next flush are lost, and counts reach D1 up to one interval late (a flush happens on the
 * next webhook request after the interval has passed). The first rejection an isolate sees is
 * written at once, so a lone bad delivery shows up promptly, and `/ops/check` writes the counts
 * of the isolate it runs in before reading (exact under `wrangler dev`, which has one isolate).
 */
import { lt, sql } from 'drizzle-orm';
import type { MiddlewareHandler } from 'hono';
import type { Database } from '../db/client.ts';
import { webhookRejections } from '../db/schema.ts';
import type { AppEnv } from '../env.ts';
import { log } from '../lib/log.ts';
import type { VerifyFailure } from '../stripe/verify-signature.ts';

/** Why a delivery was rejected: the verifier's reasons, or a signed body that is not an event. */
export type RejectionReason = VerifyFailure | 'invalid_envelope';

/** Reasons that mean the signature did not check out (as opposed to a signed but bad body). */
export const SIGNATURE_FAILURE_REASONS: readonly RejectionReason[] = [
  'missing_header',
  'malformed_header',
  'timestamp_in_future',
  'timestamp_too_old',
  'no_matching_signature',
];

export const FLUSH_INTERVAL_MS = 30_000;
export const BUCKET_MS = 60_000;
/** Buckets older than this are pruned on flush; the check looks back one day. */
export const RETENTION_MS = 2 * 24 * 60 * 60_000;

const pending = new Map<string, { bucketStart: number; reason: RejectionReason; count: number }>();
let lastFlushAt = 0;

function add(bucketStart: number, reason: RejectionReason, count: number): void {
  const key = `${bucketStart}:${reason}`;
  const entry = pending.get(key);
  if (entry) entry.count += count;
  else pending.set(key, { bucketStart, reason, count });
}

/** Counts one rejection in this isolate's memory. */
export function countRejection(reason: RejectionReason, nowMs: number): void {
  add(nowMs - (nowMs % BUCKET_MS), reason, 1);
}

/**
 * Takes the counts due for a write, or null when there are none or the interval has not passed.
 * `force` ignores the interval: for authenticated callers (the ops check), who cannot flood.
 */
export function takeDueRejections(nowMs: number, force = false) {
  if (pending.size === 0 || (!force && nowMs - lastFlushAt < FLUSH_INTERVAL_MS)) return null;

  const rows = [...pending.values()];
  pending.clear();
  lastFlushAt = nowMs;
  return rows;
}

/** Adds `rows` to their buckets in one batch and prunes old buckets. */
export async function writeRejections(
  db: Database,
  rows: { bucketStart: number; reason: RejectionReason; count: number }[],
  nowMs: number,
): Promise<void> {
  const upserts = rows.map((row) =>
    db
      .insert(webhookRejections)
      .values(row)
      .onConflictDoUpdate({
        target: [webhookRejections.bucketStart, webhookRejections.reason],
        set: { count: sql`${webhookRejections.count} + excluded.count` },
      }),
  );
  const prune = db
    .delete(webhookRejections)
    .where(lt(webhookRejections.bucketStart, nowMs - RETENTION_MS));

  await db.batch([prune, ...upserts]);
}

/** Writes whatever this isolate holds now; used by the ops check before it reads the figures. */
export async function flushRejectionsNow(db: Database, nowMs: number): Promise<void> {
  const rows = takeDueRejections(nowMs, true);
  if (rows === null) return;
  try {
    await writeRejections(db, rows, nowMs);
  } catch (err) {
    for (const row of rows) add(row.bucketStart, row.reason, row.count);
    throw err;
  }
}

/**
 * Middleware for the webhook route: after the answer, writes this isolate's counts if a flush is
 * due. A failed write puts the counts back for the next attempt.
 */
export const flushRejections: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();

  const nowMs = Date.now();
  const rows = takeDueRejections(nowMs);
  if (rows === null) return;

  const write = writeRejections(c.get('db'), rows, nowMs).catch((err: unknown) => {
    for (const row of rows) add(row.bucketStart, row.reason, row.count);
    log.error('webhook.rejections_flush_failed', {
      error: err instanceof Error ? err.message : 'unknown',
    });
  });
  c.executionCtx.waitUntil(write);
};
