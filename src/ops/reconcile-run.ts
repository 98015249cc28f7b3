/**
 * The last reconcile run, as the ops check shows it.
 *
 * TODO(#4): the reconciler records its runs in `reconcile_runs` and exports
 * `latestReconcileRun(db)` from src/db/reconcile-runs.ts; wire it in here. Until then this
 * returns null and the check reports the reconciler as not available.
 */
import type { Database } from '../db/client.ts';

/** What the check shows of a run. Field names follow the reconciler's own record. */
export type ReconcileRunSummary = Record<string, unknown>;

/** The most recent reconcile run, or null when there is none (or no reconciler yet). */
export async function lastReconcileRun(_db: Database): Promise<ReconcileRunSummary | null> {
  return null;
}
