/**
 * `/api/invoices/:stripe_invoice_id`: the platform's app tracks invoices and reads them back.
 * Bearer `API_TOKEN`.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { getInvoiceWithEvents, trackInvoice } from '../db/invoices.ts';
import type { InvoiceEventRow, InvoiceRow } from '../db/schema.ts';
import type { AppEnv } from '../env.ts';
import { requireToken } from '../lib/auth.ts';
import { errors } from '../lib/errors.ts';
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

const trackBody = z.object({ stripe_account_id: accountId });

/** The public JSON form of an invoice record. */
export function invoiceJson(invoice: InvoiceRow) {
  return {
    stripe_invoice_id: invoice.stripeInvoiceId,
    stripe_account_id: invoice.stripeAccountId,
    status: invoice.status,
    paid_at: isoFromSeconds(invoice.paidAt),
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

invoicesApi.put('/api/invoices/:id', async (c) => {
  const id = pathInvoiceId(c.req.param('id'));
  const body = await jsonBody(c, trackBody);

  const tracked = await trackInvoice(c.get('db'), id, body.stripe_account_id, Date.now());

  if (tracked.kind === 'conflict') {
    throw errors.conflict('This invoice is already tracked for another connected account.');
  }

  log.info(tracked.kind === 'created' ? 'invoice.tracked' : 'invoice.track_repeated', {
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

  return c.json({ ...invoiceJson(found.invoice), events: found.events.map(eventJson) });
});
