/**
 * `POST /api/invoices`: the platform's app sends an invoice on a connected account through the
 * worker. Bearer `API_TOKEN` (the `/api/*` guard in routes/invoices.ts). `Idempotency-Key`
 * required.
 *
 * Answers: 201 with the record; 422 naming each problem (nothing reaches Stripe); 409 when the
 * key was used with another body, or another request with it is still running; 502 with Stripe's
 * error code when Stripe refused a step. The same key with the same body gets the same answer.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { claimSend, getInvoice, getSend } from '../db/invoice-sends.ts';
import type { InvoiceRow, InvoiceSendRow } from '../db/schema.ts';
import type { AppEnv } from '../env.ts';
import { runSend } from '../invoices/send.ts';
import {
  idempotencyKey,
  requestHash,
  sendRequest,
  type SendRequest,
} from '../invoices/send-request.ts';
import { AppError, errorBody, errors } from '../lib/errors.ts';
import { log } from '../lib/log.ts';
import { isoFromMillis } from '../lib/time.ts';
import { describeIssues } from '../lib/validate.ts';
import { stripeClient } from '../stripe/client.ts';
import { sendCalls, type StripeFailure } from '../stripe/send-invoice.ts';
import { invoiceJson } from './invoices.ts';

/**
 * 100 lines of 500-character descriptions and full metadata fit inside even when every character
 * is sent as a `\u` escape (six bytes each), as some JSON encoders do.
 */
const MAX_BODY_BYTES = 1024 * 1024;

/** Per Stripe call; a send makes 4 + one per item. */
const STRIPE_TIMEOUT_MS = 10_000;

export const sendInvoiceApi = new Hono<AppEnv>();

const limit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json(errorBody('payload_too_large', 'Body exceeds 1 MiB.'), 413),
});

/** The path of the first string (value or key) that is not well-formed Unicode, or null. */
function malformedStringPath(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return value.isWellFormed() ? null : path.join('.') || '(body)';
  if (value === null || typeof value !== 'object') return null;

  for (const [key, child] of Object.entries(value)) {
    if (!key.isWellFormed()) return [...path, '(key)'].join('.');
    const found = malformedStringPath(child, [...path, key]);
    if (found !== null) return found;
  }
  return null;
}

/** The request and its key, or a 422 naming every problem with either. */
async function readRequest(c: Context<AppEnv>): Promise<{ request: SendRequest; key: string }> {
  const issues: { path: string; message: string }[] = [];

  const key = idempotencyKey.safeParse(c.req.header('idempotency-key'));
  if (!key.success) {
    issues.push(...describeIssues(key.error).map((i) => ({ ...i, path: 'Idempotency-Key' })));
  }

  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    issues.push({ path: '(body)', message: 'must be JSON' });
  }

  // A lone UTF-16 surrogate (`"\ud800"`) parses as JSON but cannot be form-encoded for Stripe.
  const broken = body === undefined ? null : malformedStringPath(body);
  if (broken !== null) issues.push({ path: broken, message: 'must be well-formed Unicode' });

  const request = body === undefined || broken !== null ? null : sendRequest.safeParse(body);
  if (request && !request.success) issues.push(...describeIssues(request.error));

  if (!key.success || !request?.success) {
    throw errors.invalidInput('Invalid request.', { issues });
  }
  return { request: request.data, key: key.data };
}

/** The record a send left: its invoice, or (when Stripe never had one) the failed send itself. */
function recordJson(send: InvoiceSendRow, invoice: InvoiceRow | null) {
  if (invoice) return invoiceJson(invoice);
  return {
    stripe_invoice_id: null,
    stripe_account_id: send.stripeAccountId,
    status: 'error',
    paid_at: null,
    stripe_customer_id: send.stripeCustomerId,
    number: null,
    amount_due: null,
    currency: null,
    hosted_invoice_url: null,
    due_date: null,
    error: send.errorCode === null ? null : { code: send.errorCode, message: send.errorMessage },
    created_at: isoFromMillis(send.createdAt),
    updated_at: isoFromMillis(send.updatedAt),
  };
}

function failureBody(failure: StripeFailure, step: string, record: unknown) {
  return errorBody(failure.code, failure.message, {
    type: 'stripe_error',
    step,
    retryable: failure.retryable,
    invoice: record,
  });
}

/** The answer of a send that has ended, for the same key and body again. */
async function replay(c: Context<AppEnv>, send: InvoiceSendRow) {
  const found = send.stripeInvoiceId ? await getInvoice(c.get('db'), send.stripeInvoiceId) : null;
  // Never show another account's record as this send's (an id clash, see AccountConflict).
  const invoice = found?.stripeAccountId === send.stripeAccountId ? found : null;
  c.header('Idempotent-Replayed', 'true');

  if (send.state === 'sent' && invoice) return c.json(invoiceJson(invoice), 201);

  const failure = {
    code: send.errorCode ?? 'stripe_error',
    message: send.errorMessage ?? 'Stripe returned an error.',
    retryable: false,
  };
  return c.json(failureBody(failure, send.step, recordJson(send, invoice)), 502);
}

const keyInUse = (retryAfterSeconds: number) =>
  new AppError(
    409,
    'idempotency_key_in_use',
    'Another request with this Idempotency-Key is in progress; retry it later.',
    undefined,
    false,
    { retry_after: retryAfterSeconds },
  );

sendInvoiceApi.post('/api/invoices', limit, async (c) => {
  const started = Date.now();
  const { request, key } = await readRequest(c);

  const config = c.get('config');
  if (config.stripeSecretKey === null) throw errors.notConfigured('STRIPE_SECRET_KEY');

  const db = c.get('db');
  const account = request.stripe_account_id;
  const holder = { key, token: crypto.randomUUID() };

  const claim = await claimSend(db, {
    key,
    requestHash: await requestHash(request),
    accountId: account,
    token: holder.token,
    nowMs: started,
  });

  if (claim.kind === 'reused') {
    throw new AppError(
      409,
      'idempotency_key_reused',
      'This Idempotency-Key was used with a different request body.',
    );
  }
  if (claim.kind === 'in_progress') {
    const seconds = Math.max(1, Math.ceil((claim.leaseUntil - Date.now()) / 1000));
    c.header('Retry-After', String(Math.min(seconds, 5)));
    throw keyInUse(Math.min(seconds, 5));
  }
  if (claim.kind === 'ended') return replay(c, claim.send);

  const stripe = stripeClient({
    secretKey: config.stripeSecretKey,
    apiBase: config.stripeApiBase,
    // The client's retry with the same key is the retry; it resumes where this one stopped.
    maxNetworkRetries: 0,
    timeoutMs: STRIPE_TIMEOUT_MS,
  });

  const work = runSend(
    { db, calls: sendCalls(stripe, account, key), holder, request, now: Date.now },
    claim.send,
  );
  // A client that gives up does not stop the send half-way; its retry then finds it done.
  c.executionCtx.waitUntil(work.catch(() => undefined));
  const result = await work;

  if (result.kind === 'lost_lease') throw keyInUse(1);

  if (result.kind === 'sent') {
    log.info('invoice.sent', {
      invoice: result.invoice.stripeInvoiceId,
      account,
      status: result.invoice.status,
      resumed: claim.send.createdAt !== started,
      ms: Date.now() - started,
    });
    return c.json(invoiceJson(result.invoice), 201);
  }

  log.warn('invoice.send_failed', {
    invoice: result.invoiceId,
    account,
    step: result.step,
    code: result.failure.code,
    retryable: result.failure.retryable,
    ms: Date.now() - started,
  });

  const invoice = result.invoiceId ? await getInvoice(db, result.invoiceId) : null;
  const send = {
    ...claim.send,
    errorCode: result.failure.code,
    errorMessage: result.failure.message,
  };
  return c.json(failureBody(result.failure, result.step, recordJson(send, invoice)), 502);
});
