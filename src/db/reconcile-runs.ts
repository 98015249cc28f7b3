/**
 * The record of each reconciler run, written when it starts (so a run killed by a platform limit
 * still shows as started and never finished) and completed when it ends.
 */
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from './client.ts';
import { reconcileRuns, type ReconcileRunRow } from './schema.ts';
import { isoFromMillis } from '../lib/time.ts';

export type RunTrigger = 'cron' | 'manual';

/** Why a run ended before its batch was done. */
export type StopReason =
  'rate_limited' | 'authentication' | 'deadline' | 'already_running' | 'not_configured' | 'failed';

/** What a run did, as `finishRun` stores it. */
export interface RunTotals {
  selected: number;
  examined: number;
  changed: number;
  errors: Record<string, number>;
  stoppedReason: StopReason | null;
}

/**
 * The public JSON form of a run: what `POST /ops/reconcile` returns and the ops check shows.
 * Times are ISO 8601; `finished_at` and `duration_ms` are null while running or if killed.
 */
export interface ReconcileRunJson {
  id: number;
  trigger: RunTrigger;
  cron: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  selected: number;
  examined: number;
  changed: number;
  errors: Record<string, number>;
  stopped_reason: StopReason | null;
}

/** The JSON form of a stored run. */
export function runJson(row: ReconcileRunRow): ReconcileRunJson {
  return {
    id: row.id,
    trigger: row.triggeredBy as RunTrigger,
    cron: row.cron,
    started_at: isoFromMillis(row.startedAt) as string,
    finished_at: isoFromMillis(row.finishedAt),
    duration_ms: row.finishedAt === null ? null : row.finishedAt - row.startedAt,
    selected: row.selected,
    examined: row.examined,
    changed: row.changed,
    errors: row.errors,
    stopped_reason: row.stoppedReason as StopReason | null,
  };
}

/** A run older than this that never finished was killed, and no longer counts as running. */
export const RUN_LEASE_MS = 60_000;

/**
 * Records the start of a run. Also says whether another run started within the lease and has not
 * finished, in the same batch, so two runs (a cron and a manual one) do not work side by side.
 */
export async function startRun(
  db: Database,
  trigger: RunTrigger,
  cron: string | null,
  nowMs: number,
): Promise<{ id: number; overlapping: boolean }> {
  const [inserted, others] = await db.batch([
    db
      .insert(reconcileRuns)
      .values({ triggeredBy: trigger, cron, startedAt: nowMs })
      .returning({ id: reconcileRuns.id }),
    db
      .select({ id: reconcileRuns.id })
      .from(reconcileRuns)
      .where(
        and(isNull(reconcileRuns.finishedAt), gt(reconcileRuns.startedAt, nowMs - RUN_LEASE_MS)),
      ),
  ]);

  const id = inserted[0]?.id;
  if (id === undefined) throw new Error('reconcile run row missing after insert');
  return { id, overlapping: others.some((other) => other.id !== id) };
}

/** The statement that completes a run's record; callers batch it with their last writes. */
export function finishRunStatement(db: Database, id: number, totals: RunTotals, nowMs: number) {
  return db
    .update(reconcileRuns)
    .set({ ...totals, finishedAt: nowMs })
    .where(eq(reconcileRuns.id, id))
    .returning();
}

/** The most recently started run, or null when the reconciler never ran. */
export async function latestReconcileRun(db: Database): Promise<ReconcileRunJson | null> {
  const rows = await db
    .select()
    .from(reconcileRuns)
    .orderBy(desc(reconcileRuns.startedAt), desc(reconcileRuns.id))
    .limit(1);
  return rows[0] ? runJson(rows[0]) : null;
}
