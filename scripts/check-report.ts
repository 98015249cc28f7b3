/**
 * Turns an `/ops/check` answer into the readable summary `npm run check` prints.
 *
 * Pure and dependency-free so the tests can run it anywhere; it trusts nothing about the answer's
 * shape beyond what it checks, since it may come from an older or newer worker.
 */

type Json = Record<string, any>;

const MARK: Record<string, string> = { error: 'x', warning: '!', info: 'i' };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function minutes(value: unknown): string {
  if (typeof value !== 'number') return '?';
  if (value < 120) return `${value} min`;
  if (value < 48 * 60) return `${Math.floor(value / 60)} h`;
  return `${Math.floor(value / 1440)} d`;
}

function counts(record: unknown): string {
  if (!record || typeof record !== 'object') return 'none';
  const entries = Object.entries(record as Record<string, number>);
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${key} ${n}`).join(', ');
}

function findingLines(findings: Json[]): string[] {
  if (findings.length === 0) return ['Findings: none'];
  return [
    'Findings:',
    ...findings.map(
      (f) => `  ${MARK[f.severity] ?? '?'} ${String(f.severity).padEnd(7)} ${f.code}: ${f.message}`,
    ),
  ];
}

function configLines(config: Json | undefined): string[] {
  if (!config) return [];
  const set = (name: string) => (config[name]?.set ? 'set' : 'NOT SET');
  const mode =
    config.expected_livemode === true ? 'live' : config.expected_livemode === false ? 'test' : '?';
  return [
    `Configuration: STRIPE_WEBHOOK_SECRET ${set('STRIPE_WEBHOOK_SECRET')} ` +
      `(${config.STRIPE_WEBHOOK_SECRET?.count ?? 0}), STRIPE_CONNECT_WEBHOOK_SECRET ` +
      `${set('STRIPE_CONNECT_WEBHOOK_SECRET')} ` +
      `(${config.STRIPE_CONNECT_WEBHOOK_SECRET?.count ?? 0}), ` +
      `STRIPE_SECRET_KEY ${set('STRIPE_SECRET_KEY')}, API_TOKEN ${set('API_TOKEN')}; ` +
      `${mode} mode, tolerance ${config.tolerance_seconds ?? '?'} s`,
  ];
}

function databaseLines(database: Json | undefined): string[] {
  if (!database) return [];
  if (!database.reachable) return ['Database: UNREACHABLE'];
  const m = database.migrations ?? {};
  const pending =
    Array.isArray(m.pending) && m.pending.length > 0 ? `; pending ${m.pending.join(', ')}` : '';
  return [
    `Database: reachable, ${m.applied ?? '?'}/${m.expected ?? '?'} migrations applied${pending}`,
  ];
}

function invoiceLines(invoices: Json | null | undefined): string[] {
  if (!invoices) return ['Invoices: unavailable'];
  const stale = invoices.stale_pending ?? {};
  const lines = [`Invoices: ${counts(invoices.by_status)}`];
  if (stale.count > 0) {
    lines.push(
      `  Stale pending (over ${minutes(stale.threshold_minutes)}): ${stale.count}, ` +
        `oldest ${minutes(stale.oldest_age_minutes)}`,
    );
    for (const invoice of stale.oldest ?? []) {
      lines.push(
        `    ${invoice.stripe_invoice_id}  ${invoice.stripe_account_id}  ` +
          `tracked ${invoice.tracked_at} (${minutes(invoice.age_minutes)})`,
      );
    }
    if ((stale.oldest?.length ?? 0) < stale.count) {
      lines.push(`    ... and ${stale.count - stale.oldest.length} more`);
    }
  } else {
    lines.push(`  Stale pending (over ${minutes(stale.threshold_minutes)}): none`);
  }
  return lines;
}

function windowLine(label: string, window: Json | undefined): string {
  if (!window) return `  ${label}: unavailable`;
  const verified = plural(window.verified ?? 0, 'verified event');
  const failures = plural(window.signature_failures ?? 0, 'signature failure');
  return `  ${label}: ${verified} (${counts(window.by_outcome)}), ${failures}`;
}

function deliveryLines(deliveries: Json | null | undefined): string[] {
  if (!deliveries) return ['Deliveries: unavailable'];
  const last = deliveries.last_event;
  const lines = [
    last
      ? `Deliveries: last ${last.type} from ${last.account ?? 'the platform'}, ${last.outcome}, ` +
        `secret ${last.secret ?? '?'}, at ${last.received_at}`
      : 'Deliveries: no verified event recorded yet',
    windowLine('last hour', deliveries.last_hour),
    windowLine('last day ', deliveries.last_day),
  ];
  const secrets: Json[] = deliveries.secrets ?? [];
  if (secrets.length > 0) {
    lines.push(
      '  Secrets matched (last day): ' +
        secrets
          .map(
            (s) =>
              `${s.secret} (${s.role}${s.configured ? '' : ', no longer configured'}) ` +
              `${s.events_last_day}`,
          )
          .join(', '),
    );
  }
  return lines;
}

function reconcileLines(reconcile: Json | undefined): string[] {
  const run = reconcile?.last_run;
  if (!run) return ['Reconcile: no run recorded'];
  const when = run.finished_at ?? run.started_at ?? '?';
  const errors = Object.values((run.errors ?? {}) as Record<string, number>).reduce(
    (sum, n) => sum + n,
    0,
  );
  const stopped = run.stopped_reason ? `, stopped: ${run.stopped_reason}` : '';
  return [
    `Reconcile: last run ${when} (${run.trigger ?? '?'}): examined ${run.examined ?? 0}, ` +
      `changed ${run.changed ?? 0}, errors ${errors}${stopped}`,
  ];
}

function stripeLines(stripe: Json | null | undefined): string[] {
  if (!stripe) return [];
  const lines = [
    `Stripe: key ${stripe.key_ok ? 'works' : 'FAILED'}; webhook URL ${stripe.webhook_url}`,
  ];
  for (const e of stripe.endpoints ?? []) {
    const kind = e.connect === true ? 'connect' : e.connect === false ? 'platform' : 'unknown kind';
    const missing = e.missing_events?.length ? `, missing ${e.missing_events.join(' ')}` : '';
    lines.push(`  ${e.id}: ${e.status}, ${kind}, API ${e.api_version ?? 'unpinned'}${missing}`);
  }
  return lines;
}

// C0 and C1 control characters (escape sequences included) and DEL.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** The summary lines for a check answer fetched from `url`, safe to print to a terminal. */
export function formatReport(report: Json, url: string): string[] {
  return reportLines(report, url).map((line) => line.replace(CONTROL, '?'));
}

function reportLines(report: Json, url: string): string[] {
  const verdict = report.healthy === true ? 'HEALTHY' : 'UNHEALTHY';
  return [
    `${verdict}  ${url}  (checked ${report.checked_at ?? '?'})`,
    ...findingLines(Array.isArray(report.findings) ? report.findings : []),
    ...configLines(report.config),
    ...databaseLines(report.database),
    ...invoiceLines(report.invoices),
    ...deliveryLines(report.deliveries),
    ...reconcileLines(report.reconcile),
    ...stripeLines(report.stripe),
  ];
}

/** Exit codes: 0 healthy, 1 unhealthy, 2 the check itself could not be made. */
export const EXIT = { healthy: 0, unhealthy: 1, failed: 2 } as const;

/** The exit code for an HTTP answer from `/ops/check` and its parsed body (null if not JSON). */
export function exitCodeFor(status: number, body: unknown): number {
  const report = body as Json | null;
  if (report && typeof report.healthy === 'boolean' && (status === 200 || status === 503)) {
    return report.healthy ? EXIT.healthy : EXIT.unhealthy;
  }
  return EXIT.failed;
}
