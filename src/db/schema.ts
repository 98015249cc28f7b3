/**
 * The D1 schema, in code. `npm run db:generate` turns changes here into SQL under `migrations/`,
 * which `wrangler d1 migrations apply` runs. See docs/data-model.md for what each column means.
 *
 * Time columns: `created` and `paid_at` are Stripe's unix seconds; `*_at` columns that the worker
 * sets itself (`created_at`, `updated_at`, `received_at`) are unix milliseconds.
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The platform's record of one invoice sent on a connected account. */
export const invoices = sqliteTable(
  'invoices',
  {
    stripeInvoiceId: text('stripe_invoice_id').primaryKey(),
    stripeAccountId: text('stripe_account_id').notNull(),
    status: text('status').notNull().default('pending'),
    paidAt: integer('paid_at'),
    /** Precedence of the current state; a change is written only with a greater key. */
    stateKey: text('state_key').notNull().default('0'),
    /** The recorded event (webhook or reconcile) that set the current state. */
    statusEventId: text('status_event_id'),
    /** What Stripe said of the invoice when the worker sent it (null for invoices only tracked). */
    stripeCustomerId: text('stripe_customer_id'),
    number: text('number'),
    /** In the currency's smallest unit. */
    amountDue: integer('amount_due'),
    currency: text('currency'),
    hostedInvoiceUrl: text('hosted_invoice_url'),
    /** Unix seconds. */
    dueDate: integer('due_date'),
    /** Stripe's error when finalizing or sending failed; the status is then `error`. */
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** When the reconciler last had an answer from Stripe about this invoice (ms). */
    reconcileCheckedAt: integer('reconcile_checked_at'),
    /** The reconciler skips this invoice until then (ms), after an answer retrying won't fix. */
    reconcileBackoffUntil: integer('reconcile_backoff_until'),
    /** Consecutive backed-off failures; the back-off doubles with each. */
    reconcileFailures: integer('reconcile_failures').notNull().default(0),
    /** The kind of the reconciler's last failure for this invoice (see jobs/stripe-errors.ts). */
    reconcileError: text('reconcile_error'),
    /** What the reconciler last learned: Stripe's answer, or why it failed or changed status. */
    reconcileReason: text('reconcile_reason'),
  },
  (table) => [
    index('invoices_status_updated').on(table.status, table.updatedAt),
    index('invoices_account').on(table.stripeAccountId),
    index('invoices_reconcile').on(table.status, table.reconcileCheckedAt),
  ],
);

/** Every verified event, and every change the worker made for another reason, with its outcome. */
export const invoiceEvents = sqliteTable(
  'invoice_events',
  {
    id: text('id').primaryKey(),
    /** `webhook` for a Stripe delivery; other sources record their own changes here too. */
    source: text('source').notNull().default('webhook'),
    type: text('type').notNull(),
    account: text('account'),
    livemode: integer('livemode', { mode: 'boolean' }),
    apiVersion: text('api_version'),
    created: integer('created').notNull(),
    receivedAt: integer('received_at').notNull(),
    /** Which configured secret verified it, e.g. `connect:0`. */
    secret: text('secret'),
    invoiceId: text('invoice_id'),
    outcome: text('outcome').notNull(),
    error: text('error'),
    /** What the event would set, kept so an event for an untracked invoice can apply later. */
    targetStatus: text('target_status'),
    targetPaidAt: integer('target_paid_at'),
    stateKey: text('state_key'),
  },
  (table) => [
    index('invoice_events_invoice').on(table.invoiceId, table.created),
    index('invoice_events_received').on(table.receivedAt),
    index('invoice_events_outcome').on(table.outcome, table.receivedAt),
  ],
);

/**
 * One `POST /api/invoices` request per `Idempotency-Key`: the idempotency record, the progress of
 * the Stripe calls made for it, and its answer. A send that failed before Stripe had an invoice
 * lives only here, with status `error` and Stripe's error.
 */
export const invoiceSends = sqliteTable(
  'invoice_sends',
  {
    idempotencyKey: text('idempotency_key').primaryKey(),
    /** SHA-256 of the validated request, so the same key with another body is refused. */
    requestHash: text('request_hash').notNull(),
    stripeAccountId: text('stripe_account_id').notNull(),
    /** `running`, `retryable` (a transient failure; the same key resumes), `sent` or `error`. */
    state: text('state').notNull(),
    /** The step reached: `customer`, `invoice`, `items`, `finalize`, `send`, `done`. */
    step: text('step').notNull(),
    stripeCustomerId: text('stripe_customer_id'),
    stripeInvoiceId: text('stripe_invoice_id'),
    /** Invoice items created so far, so a resumed send never adds a line twice. */
    itemsCreated: integer('items_created').notNull().default(0),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** The HTTP status answered, replayed for the same key once the send has ended. */
    httpStatus: integer('http_status'),
    /** Who is working on it and until when (unix ms); a lapsed lease may be taken over. */
    leaseToken: text('lease_token'),
    leaseUntil: integer('lease_until'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (table) => [
    index('invoice_sends_invoice').on(table.stripeInvoiceId),
    index('invoice_sends_state_updated').on(table.state, table.updatedAt),
  ],
);

/**
 * Webhook deliveries rejected before verification completed, counted per minute and reason.
 *
 * Rows are aggregates written by each isolate at most once per flush interval (see
 * ops/rejection-counter.ts), never one per request, and hold nothing the sender sent: `reason` is
 * one of the worker's own fixed labels.
 */
export const webhookRejections = sqliteTable(
  'webhook_rejections',
  {
    /** Start of the minute the rejections fell in, unix milliseconds. */
    bucketStart: integer('bucket_start').notNull(),
    reason: text('reason').notNull(),
    count: integer('count').notNull(),
  },
  (table) => [primaryKey({ columns: [table.bucketStart, table.reason] })],
);

/** One reconciler run: what it looked at, what it changed, what failed, and why it stopped. */
export const reconcileRuns = sqliteTable(
  'reconcile_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** `cron` for the scheduled trigger, `manual` for `POST /ops/reconcile`. */
    triggeredBy: text('triggered_by').notNull(),
    /** The cron expression that fired, for a scheduled run. */
    cron: text('cron'),
    startedAt: integer('started_at').notNull(),
    /** Null while running, or when the run was killed before it could finish. */
    finishedAt: integer('finished_at'),
    /** Stale invoices chosen for this run (at most the batch size). */
    selected: integer('selected').notNull().default(0),
    /** Invoices Stripe was asked about. */
    examined: integer('examined').notNull().default(0),
    /** Invoices whose status the run changed. */
    changed: integer('changed').notNull().default(0),
    /** Failures by kind, e.g. `{"timeout":1,"not_found":2}`. */
    errors: text('errors', { mode: 'json' }).$type<Record<string, number>>().notNull().default({}),
    /** Why the run ended before its batch was done: `rate_limited`, `deadline`, ... */
    stoppedReason: text('stopped_reason'),
  },
  (table) => [index('reconcile_runs_started').on(table.startedAt)],
);

export type InvoiceRow = typeof invoices.$inferSelect;
export type InvoiceSendRow = typeof invoiceSends.$inferSelect;
export type InvoiceEventRow = typeof invoiceEvents.$inferSelect;
export type ReconcileRunRow = typeof reconcileRuns.$inferSelect;
