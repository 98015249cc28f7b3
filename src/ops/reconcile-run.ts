/**
 * The last reconcile run, as the ops check shows it, and what it says about the reconciler's
 * health: a run that could not authenticate, or no run for much longer than the cron interval,
 * means stale invoices are no longer being settled.
 */
import type { Database } from '../db/client.ts';
import { latestReconcileRun, type ReconcileRunJson } from '../db/reconcile-runs.ts';
import { finding, type Finding } from './findings.ts';

export type ReconcileRunSummary = ReconcileRunJson;

/** The cron fires every 15 minutes; four missed runs is worth a look. */
const OVERDUE_MS = 60 * 60 * 1000;

/** The most recent reconcile run, or null when there has been none. */
export function lastReconcileRun(db: Database): Promise<ReconcileRunSummary | null> {
  return latestReconcileRun(db);
}

/** Findings about the reconciler from its last run. */
export function reconcileFindings(run: ReconcileRunSummary | null, nowMs: number): Finding[] {
  if (run === null) {
    return [finding('info', 'reconcile.never_run', 'The reconciler has not run yet.')];
  }

  const findings: Finding[] = [];
  const startedMs = Date.parse(run.started_at);

  if (nowMs - startedMs > OVERDUE_MS) {
    findings.push(
      finding('warning', 'reconcile.overdue', 'No reconcile run has started in the last hour.', {
        last_started_at: run.started_at,
      }),
    );
  }

  if (run.stopped_reason === 'authentication' || run.stopped_reason === 'not_configured') {
    findings.push(
      finding(
        'error',
        'reconcile.cannot_reach_stripe',
        `The last reconcile run stopped: ${run.stopped_reason}. Check STRIPE_SECRET_KEY.`,
        { run: run.id },
      ),
    );
  } else if (run.stopped_reason === 'failed') {
    findings.push(
      finding('warning', 'reconcile.failed', 'The last reconcile run failed.', { run: run.id }),
    );
  } else if (run.stopped_reason === 'rate_limited') {
    findings.push(
      finding('warning', 'reconcile.rate_limited', 'Stripe rate-limited the last reconcile run.', {
        run: run.id,
        examined: run.examined,
      }),
    );
  }

  const errors = Object.values(run.errors).reduce((sum, count) => sum + count, 0);
  if (run.examined > 0 && errors * 2 > run.examined) {
    findings.push(
      finding(
        'warning',
        'reconcile.mostly_errors',
        `${errors} of ${run.examined} invoices in the last reconcile run could not be checked.`,
        { run: run.id, errors: run.errors },
      ),
    );
  }

  return findings;
}
