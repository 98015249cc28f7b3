/**
 * The reconciler: asks Stripe for the real state of invoices that stayed unsettled too long, and
 * applies it, so a missed webhook never leaves a record wrong.
 *
 * A run races the webhooks it backs up, and accepts that: it reads its batch, asks Stripe, and
 * writes each change through `recordAndApply` with a precedence key made from the time it saw
 * the answer. A webhook that settled the invoice meanwhile either carries a stronger key (paid
 * over anything, or an earlier payment) and wins, or is older than what Stripe just said and
 * loses, exactly as two webhooks would. So a reconcile never moves an invoice backwards, and
 * never needs a lock on the row.
 */
import type Stripe from 'stripe';
import { database, type Database } from '../db/client.ts';
import { selectStale } from '../db/reconcile-invoices.ts';
import {
  finishRunStatement,
  runJson,
  startRun,
  type ReconcileRunJson,
  type RunTrigger,
} from '../db/reconcile-runs.ts';
import { readConfig } from '../lib/config.ts';
import { log } from '../lib/log.ts';
import { stripeClient } from '../stripe/client.ts';
import { readReconcileSettings, type ReconcileSettings } from './reconcile-config.ts';
import { forEachLimited } from './pool.ts';
import { reconcileInvoice, Tally } from './reconcile-invoice.ts';

/** Everything a run needs; `reconcileWith` builds it from the worker's env. */
export interface ReconcileDeps {
  db: Database;
  /** Null when `STRIPE_SECRET_KEY` is not configured. */
  stripe: Stripe | null;
  settings: ReconcileSettings;
  now: () => number;
}

export interface RunRequest {
  trigger: RunTrigger;
  cron: string | null;
}

/** Finishes the run's record together with the bookkeeping writes, in one D1 batch. */
async function finish(deps: ReconcileDeps, id: number, tally: Tally, selected: number) {
  const done = finishRunStatement(deps.db, id, tally.totals(selected), deps.now());
  const [rows] = await deps.db.batch([done, ...tally.writes]);
  if (!rows[0]) throw new Error('reconcile run row missing at finish');
  return runJson(rows[0]);
}

/** Runs the reconciler once and returns its record. Throws only when D1 itself fails. */
export async function reconcile(
  deps: ReconcileDeps,
  request: RunRequest,
): Promise<ReconcileRunJson> {
  const start = deps.now();
  const { id, overlapping } = await startRun(deps.db, request.trigger, request.cron, start);
  const tally = new Tally();
  let selected = 0;

  try {
    if (overlapping) {
      tally.stop = 'already_running';
    } else if (deps.stripe === null) {
      tally.stop = 'not_configured';
      log.error('reconcile.not_configured', { missing: ['STRIPE_SECRET_KEY'] });
    } else {
      const step = { ...deps, stripe: deps.stripe };
      const staleBefore = start - deps.settings.staleAfterMs;
      const batch = await selectStale(deps.db, start, staleBefore, deps.settings.batchSize);
      selected = batch.length;
      await forEachLimited(batch, deps.settings.concurrency, (invoice) =>
        reconcileInvoice(step, tally, invoice, start),
      );
    }
  } catch (err) {
    tally.stop = 'failed';
    log.error('reconcile.crashed', { error: err instanceof Error ? err.message : 'unknown' });
  }

  const run = await finish(deps, id, tally, selected);
  const level = run.stopped_reason === null || run.stopped_reason === 'deadline' ? 'info' : 'warn';
  log[level]('reconcile.finished', {
    run: run.id,
    trigger: run.trigger,
    selected: run.selected,
    examined: run.examined,
    changed: run.changed,
    errors: Object.entries(run.errors).map(([kind, n]) => `${kind}:${n}`),
    stopped: run.stopped_reason,
    ms: run.duration_ms,
  });
  return run;
}

/** Runs the reconciler with the worker's env: its key, its API base and its settings. */
export function reconcileWith(
  db: Database,
  env: object,
  request: RunRequest,
  overrides: Partial<ReconcileSettings> = {},
): Promise<ReconcileRunJson> {
  const config = readConfig(env);
  const settings = { ...readReconcileSettings(env), ...overrides };
  const stripe =
    config.stripeSecretKey === null
      ? null
      : stripeClient({
          secretKey: config.stripeSecretKey,
          apiBase: config.stripeApiBase,
          // The next run is the retry; a retry inside the call would spend the subrequest budget.
          maxNetworkRetries: 0,
          timeoutMs: settings.requestTimeoutMs,
        });

  return reconcile({ db, stripe, settings, now: Date.now }, request);
}

/** The cron's entry: one run; a run that crashed fails the invocation so the dashboard shows it. */
export async function reconcileOnSchedule(
  controller: ScheduledController,
  env: { DB: D1Database },
): Promise<void> {
  const run = await reconcileWith(database(env.DB), env, {
    trigger: 'cron',
    cron: controller.cron,
  });
  if (run.stopped_reason === 'failed') throw new Error(`reconcile run ${run.id} failed`);
}
