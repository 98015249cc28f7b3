/**
 * Running the reconciler in tests and setting up the rows it looks at.
 *
 * Each test file has its own D1, and tests in a file run one after another, so `resetTables`
 * gives each test an empty database without touching any other file's.
 */
import { createScheduledController, env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import worker from '../../src/index.ts';
import { database } from '../../src/db/client.ts';
import { reconcileWith } from '../../src/jobs/reconcile.ts';
import type { ReconcileSettings } from '../../src/jobs/reconcile-config.ts';
import type { TestEnv } from './worker.ts';

export const CRON = '*/15 * * * *';
export const ACCOUNT = 'acct_1TestConnected';
const MINUTE = 60_000;

/** Empties the tables the reconciler reads and writes. */
export async function resetTables() {
  await env.DB.batch([
    env.DB.prepare('delete from invoices'),
    env.DB.prepare('delete from invoice_events'),
    env.DB.prepare('delete from reconcile_runs'),
  ]);
}

/** Unit form: calls the worker's `scheduled` export, as the runtime would, with env overrides. */
export async function runScheduled(overrides: Partial<Record<string, unknown>> = {}) {
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: CRON }), {
    ...env,
    ...overrides,
  } as TestEnv);
}

/**
 * Integration form: the cron event goes through workerd's loopback binding to this worker's
 * default export (`exports.default`), which runs it with the worker's configured env, as a
 * deployed cron would. (`SELF.scheduled` from `cloudflare:test` fails in this plugin version with
 * a DataCloneError; `exports` is the binding the plugin recommends instead.)
 */
export async function dispatchCron() {
  const loopback = exports.default as unknown as {
    scheduled(event: { cron: string; scheduledTime: number }): Promise<unknown>;
  };
  await loopback.scheduled({ cron: CRON, scheduledTime: Date.now() });
}

/** Runs the job itself with settings the env cannot set (a short timeout or deadline). */
export function runJob(key: string, settings: Partial<ReconcileSettings> = {}) {
  return reconcileWith(
    database(env.DB),
    { ...env, STRIPE_SECRET_KEY: key },
    { trigger: 'manual', cron: null },
    settings,
  );
}

/** Makes an invoice's last change (and last check, if any) `minutes` old. */
export async function ageInvoice(invoice: string, minutes = 120) {
  await env.DB.prepare(
    `update invoices set updated_at = ?1,
       reconcile_checked_at = case when reconcile_checked_at is null then null else ?1 end
     where stripe_invoice_id = ?2`,
  )
    .bind(Date.now() - minutes * MINUTE, invoice)
    .run();
}

export interface InvoiceRowView {
  status: string;
  paid_at: number | null;
  state_key: string;
  status_event_id: string | null;
  updated_at: number;
  reconcile_checked_at: number | null;
  reconcile_backoff_until: number | null;
  reconcile_failures: number;
  reconcile_error: string | null;
  reconcile_reason: string | null;
}

/** The invoice's row straight from D1. */
export async function invoiceRow(invoice: string): Promise<InvoiceRowView> {
  const row = await env.DB.prepare('select * from invoices where stripe_invoice_id = ?')
    .bind(invoice)
    .first<InvoiceRowView>();
  if (!row) throw new Error(`no row for ${invoice}`);
  return row;
}

/** Every recorded run, oldest first. */
export async function runs() {
  const { results } = await env.DB.prepare('select * from reconcile_runs order by id').all<{
    id: number;
    triggered_by: string;
    cron: string | null;
    finished_at: number | null;
    selected: number;
    examined: number;
    changed: number;
    errors: string;
    stopped_reason: string | null;
  }>();
  return results.map((row) => ({
    ...row,
    errors: JSON.parse(row.errors) as Record<string, number>,
  }));
}

/** The stand-in route answering `GET /v1/invoices/:id`. */
export const retrieveRoute = (invoice: string, body: unknown, extra: object = {}) => ({
  method: 'GET',
  path: `/v1/invoices/${invoice}`,
  body,
  ...extra,
});
