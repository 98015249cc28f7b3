/**
 * `GET /ops/check`: gathers every section, turns the figures into findings, and decides health.
 *
 * Unhealthy (any `error` finding) when: a webhook secret is missing; D1 is unreachable or behind
 * on migrations; pending invoices are stale while no event has arrived for `silenceMinutes`;
 * signature failures outnumber verified events over the last hour; or, with `?stripe=1`, Stripe
 * says the key or an endpoint the worker depends on is wrong. A section that fails to load is
 * reported as its own finding and does not hide the others.
 */
import type { Database } from '../db/client.ts';
import type { Config } from '../lib/config.ts';
import { isoFromMillis } from '../lib/time.ts';
import { checkConfig, type ConfigSummary } from './config-check.ts';
import { deliveryStats, type DeliveryStats } from './delivery-stats.ts';
import { finding, isUnhealthy, type Finding } from './findings.ts';
import { invoiceStats, type InvoiceStats } from './invoice-stats.ts';
import { checkDatabase, type DatabaseReport } from './migrations.ts';
import { flushRejectionsNow } from './rejection-counter.ts';
import { lastReconcileRun, reconcileFindings, type ReconcileRunSummary } from './reconcile-run.ts';
import type { OpsSettings } from './settings.ts';
import { checkStripe, type StripeReport } from './stripe-check.ts';

export interface CheckReport {
  healthy: boolean;
  checked_at: string;
  findings: Finding[];
  config: ConfigSummary & { stale_pending_minutes: number; silence_minutes: number };
  database: DatabaseReport;
  invoices: InvoiceStats | null;
  deliveries: DeliveryStats | null;
  reconcile: { last_run: ReconcileRunSummary | null };
  stripe: StripeReport | null;
}

export interface CheckInput {
  env: object;
  d1: D1Database;
  db: Database;
  config: Config;
  settings: OpsSettings;
  nowMs: number;
  /** Ask Stripe too, for a worker reachable at this origin. */
  stripe: { origin: string } | null;
}

/** Runs `load`, turning a failure into a finding so one broken section does not sink the rest. */
async function section<T>(name: string, load: () => Promise<T>, findings: Finding[]) {
  try {
    return await load();
  } catch (err) {
    findings.push(
      finding('error', `${name}.unavailable`, `Could not read ${name}.`, {
        error: err instanceof Error ? err.message : 'unknown',
      }),
    );
    return null;
  }
}

function invoiceFindings(
  invoices: InvoiceStats,
  deliveries: DeliveryStats | null,
  settings: OpsSettings,
  nowMs: number,
): Finding[] {
  const stale = invoices.stale_pending;
  if (stale.count === 0) return [];

  const lastAt = deliveries?.last_event?.received_at;
  const silentFor = lastAt ? Math.floor((nowMs - Date.parse(lastAt)) / 60_000) : null;
  const silent = silentFor === null || silentFor >= settings.silenceMinutes;
  const details = {
    count: stale.count,
    oldest_age_minutes: stale.oldest_age_minutes,
    minutes_since_last_event: silentFor,
  };

  return [
    silent
      ? finding(
          'error',
          'invoices.stale_while_silent',
          `${stale.count} invoice(s) pending over ${settings.stalePendingMinutes} min and ` +
            `no event for ${silentFor === null ? 'ever' : `${silentFor} min`}: ` +
            'are webhooks arriving?',
          details,
        )
      : finding(
          'warning',
          'invoices.stale_pending',
          `${stale.count} invoice(s) pending over ${settings.stalePendingMinutes} min.`,
          details,
        ),
  ];
}

function deliveryFindings(deliveries: DeliveryStats): Finding[] {
  const findings: Finding[] = [];
  const hour = deliveries.last_hour;

  if (hour.signature_failures > hour.verified) {
    findings.push(
      finding(
        'error',
        'deliveries.signature_failures',
        `${hour.signature_failures} signature failure(s) and ${hour.verified} verified event(s) ` +
          'in the last hour: is a signing secret wrong or rolled?',
        { failures: hour.signature_failures, verified: hour.verified },
      ),
    );
  } else if (hour.signature_failures > 0) {
    findings.push(
      finding(
        'warning',
        'deliveries.some_signature_failures',
        `${hour.signature_failures} signature failure(s) in the last hour.`,
        { failures: hour.signature_failures, verified: hour.verified },
      ),
    );
  }

  for (const use of deliveries.secrets) {
    if (use.role !== 'previous' || !use.configured) continue;
    const current = deliveries.secrets.find(
      (other) => other.endpoint === use.endpoint && other.role === 'current',
    );
    if (use.events_last_day > 0) {
      findings.push(
        finding(
          'info',
          'secrets.previous_in_use',
          `Previous ${use.endpoint} secret ${use.secret} still matched ${use.events_last_day} ` +
            'event(s) in the last day; keep it.',
          { secret: use.secret },
        ),
      );
    } else if ((current?.events_last_day ?? 0) > 0) {
      findings.push(
        finding(
          'info',
          'secrets.previous_unused',
          `Previous ${use.endpoint} secret ${use.secret} matched nothing in the last day ` +
            'while the current one did; it can be removed.',
          { secret: use.secret },
        ),
      );
    }
  }

  return findings;
}

/** Builds the whole check report. Never throws for a failing dependency. */
export async function runCheck(input: CheckInput): Promise<CheckReport> {
  const { summary, findings } = checkConfig(input.env, input.config);

  // Stripe is asked while D1 is read; its findings are added last.
  const stripeCheck = input.stripe
    ? checkStripe({
        secretKey: input.config.stripeSecretKey,
        apiBase: input.config.stripeApiBase,
        origin: input.stripe.origin,
      })
    : null;

  const database = await checkDatabase(input.d1);
  findings.push(...database.findings);

  let invoices: InvoiceStats | null = null;
  let deliveries: DeliveryStats | null = null;
  let lastRun: ReconcileRunSummary | null = null;

  if (database.report.reachable) {
    [invoices, deliveries, lastRun] = await Promise.all([
      section(
        'invoices',
        () => invoiceStats(input.db, input.settings.stalePendingMinutes, input.nowMs),
        findings,
      ),
      section(
        'deliveries',
        async () => {
          await flushRejectionsNow(input.db, input.nowMs);
          return deliveryStats(input.db, input.config.secrets, input.nowMs);
        },
        findings,
      ),
      section('reconcile', () => lastReconcileRun(input.db), findings),
    ]);
  }

  if (invoices) {
    findings.push(...invoiceFindings(invoices, deliveries, input.settings, input.nowMs));
  }
  if (deliveries) findings.push(...deliveryFindings(deliveries));
  if (database.report.reachable) findings.push(...reconcileFindings(lastRun, input.nowMs));

  const checked = stripeCheck ? await stripeCheck : null;
  const stripe: StripeReport | null = checked?.report ?? null;
  findings.push(...(checked?.findings ?? []));

  return {
    healthy: !isUnhealthy(findings),
    checked_at: isoFromMillis(input.nowMs) ?? '',
    findings,
    config: {
      ...summary,
      stale_pending_minutes: input.settings.stalePendingMinutes,
      silence_minutes: input.settings.silenceMinutes,
    },
    database: database.report,
    invoices,
    deliveries,
    reconcile: { last_run: lastRun },
    stripe,
  };
}
