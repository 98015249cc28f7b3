/**
 * One invoice's step in a reconcile run: ask Stripe, read the answer, and apply a change through
 * `recordAndApply`, with a precedence key made from the time the answer was seen.
 *
 * Writes that only say "checked" or "failed" are not sent here: they go into the run's tally and
 * reach D1 in one batch with the run's record, which keeps a run inside the Free plan's
 * subrequest budget (one Stripe call and at most one D1 call per invoice).
 */
import Stripe from 'stripe';
import { recordAndApply, type EventRecord } from '../db/apply-event.ts';
import type { Database } from '../db/client.ts';
import {
  markBackedOff,
  markChecked,
  markTransientFailure,
  type StaleInvoice,
} from '../db/reconcile-invoices.ts';
import type { RunTotals, StopReason } from '../db/reconcile-runs.ts';
import { stateKey } from '../invoices/status.ts';
import { log } from '../lib/log.ts';
import { toUnixSeconds } from '../lib/time.ts';
import { verdictFor, type Verdict } from './invoice-verdict.ts';
import { backoffMs, type ReconcileSettings } from './reconcile-config.ts';
import { classifyStripeError, type Failure } from './stripe-errors.ts';

/** What a step needs. */
export interface StepDeps {
  db: Database;
  stripe: Stripe;
  settings: ReconcileSettings;
  now: () => number;
}

type Statement = ReturnType<typeof markChecked>;

/** The run's tally, filled in by each invoice's step. */
export class Tally {
  examined = 0;
  changed = 0;
  errors: Record<string, number> = {};
  stop: StopReason | null = null;
  /** Bookkeeping writes, sent with the run's record in one D1 batch at the end. */
  writes: Statement[] = [];

  count(kind: string) {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  totals(selected: number): RunTotals {
    return {
      selected,
      examined: this.examined,
      changed: this.changed,
      errors: this.errors,
      stoppedReason: this.stop,
    };
  }
}

/** The reconciler event recorded for a change Stripe's answer asks for. */
function reconcileRecord(
  invoice: StaleInvoice,
  verdict: Extract<Verdict, { kind: 'change' }>,
  answer: unknown,
  observedMs: number,
): EventRecord & { invoiceId: string } {
  const livemode = (answer as { livemode?: unknown }).livemode;
  return {
    // `rcn_` never collides with Stripe's `evt_` ids, and a fresh id per observation means a
    // second run's record is never mistaken for a duplicate of the first's.
    id: `rcn_${crypto.randomUUID().replaceAll('-', '')}`,
    source: 'reconciler',
    type: `reconcile.${verdict.observed}`,
    account: invoice.account,
    livemode: typeof livemode === 'boolean' ? livemode : null,
    apiVersion: Stripe.API_VERSION,
    created: toUnixSeconds(observedMs),
    receivedAt: observedMs,
    secret: null,
    invoiceId: invoice.id,
    error: null,
  };
}

function noteFailure(
  deps: StepDeps,
  tally: Tally,
  invoice: StaleInvoice,
  failure: Failure,
  nowMs: number,
) {
  tally.count(failure.kind);
  log.warn('reconcile.failed', {
    invoice: invoice.id,
    account: invoice.account,
    kind: failure.kind,
    status: failure.status,
    consequence: failure.consequence,
    reason: failure.reason,
  });

  if (failure.consequence === 'stop') {
    tally.stop ??= failure.kind === 'rate_limited' ? 'rate_limited' : 'authentication';
    return;
  }
  if (failure.consequence === 'retry') {
    const retryFrom = nowMs - deps.settings.staleAfterMs;
    tally.writes.push(markTransientFailure(deps.db, invoice.id, failure, retryFrom));
    return;
  }

  const failures = invoice.failures + 1;
  const until = nowMs + backoffMs(deps.settings, failures);
  tally.writes.push(markBackedOff(deps.db, invoice.id, failure, failures, until, nowMs));
}

/**
 * Reconciles one invoice, unless the run already stopped or is past its deadline (`start` is when
 * the run began). Never throws: every outcome lands in `tally`.
 */
export async function reconcileInvoice(
  deps: StepDeps,
  tally: Tally,
  invoice: StaleInvoice,
  start: number,
) {
  if (tally.stop !== null) return;
  if (deps.now() - start >= deps.settings.deadlineMs) {
    tally.stop = 'deadline';
    return;
  }

  tally.examined += 1;
  let answer: unknown;
  try {
    answer = await deps.stripe.invoices.retrieve(
      invoice.id,
      {},
      { stripeAccount: invoice.account },
    );
  } catch (err) {
    noteFailure(deps, tally, invoice, classifyStripeError(err), deps.now());
    return;
  }

  const observedMs = deps.now();
  const verdict = verdictFor(answer, invoice.id, invoice);

  if (verdict.kind === 'failed') {
    noteFailure(deps, tally, invoice, verdict.failure, observedMs);
    return;
  }
  if (verdict.kind === 'same') {
    tally.writes.push(markChecked(deps.db, invoice.id, verdict.note, observedMs));
    return;
  }

  const record = reconcileRecord(invoice, verdict, answer, observedMs);
  const change = {
    status: verdict.status,
    paidAt: verdict.paidAt,
    stateKey: stateKey(verdict.status, record.created, record.id),
  };

  try {
    const result = await recordAndApply(deps.db, record, change, observedMs);
    const outcome = result.duplicate ? 'duplicate' : result.outcome;
    if (outcome === 'applied') tally.changed += 1;

    log.info(outcome === 'applied' ? 'reconcile.applied' : 'reconcile.recorded', {
      eventId: record.id,
      invoice: invoice.id,
      account: invoice.account,
      from: invoice.status,
      status: verdict.status,
      outcome,
    });
    tally.writes.push(markChecked(deps.db, invoice.id, `${verdict.note} (${outcome})`, observedMs));
  } catch (err) {
    // Nothing was written (one batch); the invoice stays first in line for the next run.
    tally.count('write_failed');
    log.error('reconcile.write_failed', {
      invoice: invoice.id,
      error: err instanceof Error ? err.message : 'unknown',
    });
  }
}
