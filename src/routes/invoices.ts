/**
 * `/api/invoices/:stripe_invoice_id`: the platform's app tracks invoices and reads them back.
 * Bearer `API_TOKEN`.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as z from 'zod';
import { getInvoiceWithEvents, trackInvoice } from '../db/invoices.ts';
import type { InvoiceEventRow, InvoiceRow } from '../db/schema.ts';
import type { AppEnv } from '../env.ts';
import { requireToken } from '../lib/auth.ts';
import { methodNotAllowed } from '../lib/method-not-allowed.ts';
import { errorBody, errors } from '../lib/errors.ts';
import { log } from '../lib/log.ts';
import { isoFromMillis, isoFromSeconds } from '../lib/time.ts';
import { jsonBody } from '../lib/validate.ts';

export const invoiceId = z
  .string()
  .max(255)
  .regex(/^in_[A-Za-z0-9_]+$/, 'must be a Stripe invoice id (in_...)');

export const accountId = z
  .string()
  .max(255)
  .regex(/^acct_[A-Za-z0-9]+$/, 'must be a Stripe connected account id (acct_...)');

const trackBody = z.strictObject({
  stripe_account_id: accountId,
  /** Moves an untouched invoice tracked under another account to this one (fixes a typo). */
  correct_account: z.boolean().optional(),
});

/** The public JSON form of an invoice record. */
export function invoiceJson(invoice: InvoiceRow) {
  return {
    stripe_invoice_id: invoice.stripeInvoiceId,
    stripe_account_id: invoice.stripeAccountId,
    status: invoice.status,
    paid_at: isoFromSeconds(invoice.paidAt),
    stripe_customer_id: invoice.stripeCustomerId,
    number: invoice.number,
    amount_due: invoice.amountDue,
    currency: invoice.currency,
    hosted_invoice_url: invoice.hostedInvoiceUrl,
    due_date: isoFromSeconds(invoice.dueDate),
    error:
      invoice.errorCode === null
        ? null
        : { code: invoice.errorCode, message: invoice.errorMessage },
    created_at: isoFromMillis(invoice.createdAt),
    updated_at: isoFromMillis(invoice.updatedAt),
  };
}

/** The public JSON form of a recorded event: `source` says whether Stripe or the reconciler. */
export function eventJson(event: InvoiceEventRow) {
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    created: isoFromSeconds(event.created),
    outcome: event.outcome,
  };
}

function pathInvoiceId(raw: string): string {
  const parsed = invoiceId.safeParse(raw);
  if (!parsed.success) {
    throw errors.invalidInput('Invalid invoice id.', {
      issues: [{ path: 'stripe_invoice_id', message: parsed.error.issues[0]?.message }],
    });
  }
  return parsed.data;
}

export const invoicesApi = new Hono<AppEnv>();

invoicesApi.use('/api/*', requireToken('API_TOKEN'));

/** Far above any tracking or sending request; the API never needs to read more. */
export const apiBodyLimit = bodyLimit({
  maxSize: 256 * 1024,
  onError: (c) => c.json(errorBody('payload_too_large', 'Body exceeds 256 KiB.'), 413),
});

const TRACK_LOG = {
  created: 'invoice.tracked',
  existing: 'invoice.track_repeated',
  corrected: 'invoice.account_corrected',
} as const;

invoicesApi.put('/api/invoices/:id', apiBodyLimit, async (c) => {
  const id = pathInvoiceId(c.req.param('id'));
  const body = await jsonBody(c, trackBody);

  const tracked = await trackInvoice(
    c.get('db'),
    id,
    body.stripe_account_id,
    Date.now(),
    body.correct_account === true,
  );

  if (tracked.kind === 'conflict') {
    throw errors.conflict(
      body.correct_account
        ? 'The account can only be corrected while the invoice is pending and no event applied.'
        : 'This invoice is already tracked for another connected account.',
    );
  }

  log.info(TRACK_LOG[tracked.kind], {
    invoice: id,
    account: body.stripe_account_id,
    status: tracked.invoice.status,
  });

  return c.json(invoiceJson(tracked.invoice), tracked.kind === 'created' ? 201 : 200);
});

invoicesApi.get('/api/invoices/:id', async (c) => {
  const id = pathInvoiceId(c.req.param('id'));
  const found = await getInvoiceWithEvents(c.get('db'), id);
  if (!found) throw errors.notFound('Invoice');

  return c.json({
    ...invoiceJson(found.invoice),
    events: found.events.map(eventJson),
    events_truncated: found.truncated,
  });
});

invoicesApi.all('/api/invoices/:id', methodNotAllowed('GET', 'PUT'));
