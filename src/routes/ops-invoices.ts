/**
 * `GET /ops/invoices` (list, filtered, paginated) and `GET /ops/invoices/:stripe_invoice_id`
 * (one invoice, its whole event history, why it is in its state, and with `?live=1` Stripe's
 * view). Bearer `OPS_TOKEN`.
 */
import { Hono } from 'hono';
import * as z from 'zod';
import { getInvoiceWithEvents } from '../db/invoices.ts';
import { listInvoices } from '../db/ops-lists.ts';
import type { AppEnv } from '../env.ts';
import { requireToken } from '../lib/auth.ts';
import { methodNotAllowed } from '../lib/method-not-allowed.ts';
import { errors } from '../lib/errors.ts';
import { queryParams } from '../lib/query.ts';
import { INVOICE_STATUSES } from '../invoices/status.ts';
import { encodeCursor, pageQuery } from '../ops/cursor.ts';
import { explainState } from '../ops/explain.ts';
import { liveView } from '../ops/live-invoice.ts';
import { accountId, invoiceId, invoiceJson } from './invoices.ts';
import { opsEventJson } from './ops-events.ts';

const listQuery = z.strictObject({
  status: z.enum(INVOICE_STATUSES).optional(),
  account: accountId.optional(),
  updated_since: z.iso
    .datetime({ offset: true })
    .transform((value) => Date.parse(value))
    .optional(),
  ...pageQuery,
});

const detailQuery = z.strictObject({ live: z.enum(['0', '1']).optional() });

export const opsInvoices = new Hono<AppEnv>();

opsInvoices.get('/ops/invoices', requireToken('OPS_TOKEN'), async (c) => {
  const { limit, cursor, updated_since, ...filters } = queryParams(c, listQuery);
  const found = await listInvoices(
    c.get('db'),
    { ...filters, updatedSinceMs: updated_since },
    limit,
    cursor,
  );

  return c.json({
    invoices: found.rows.map(invoiceJson),
    next_cursor: found.next ? encodeCursor(found.next) : null,
  });
});

opsInvoices.get('/ops/invoices/:id', requireToken('OPS_TOKEN'), async (c) => {
  const id = invoiceId.safeParse(c.req.param('id'));
  if (!id.success) {
    throw errors.invalidInput('Invalid invoice id.', {
      issues: [{ path: 'stripe_invoice_id', message: id.error.issues[0]?.message }],
    });
  }
  const { live } = queryParams(c, detailQuery);

  const found = await getInvoiceWithEvents(c.get('db'), id.data);
  if (!found) throw errors.notFound('Invoice');

  // Oldest first: the history reads in the order things happened.
  const events = [...found.events].reverse();
  const config = c.get('config');

  return c.json({
    ...invoiceJson(found.invoice),
    status_event_id: found.invoice.statusEventId,
    explanation: explainState(found.invoice, events),
    events: events.map(opsEventJson),
    ...(live === '1'
      ? {
          live: await liveView(found.invoice, {
            secretKey: config.stripeSecretKey,
            apiBase: config.stripeApiBase,
          }),
        }
      : {}),
  });
});

opsInvoices.all('/ops/invoices', requireToken('OPS_TOKEN'), methodNotAllowed('GET'));

opsInvoices.all('/ops/invoices/:id', requireToken('OPS_TOKEN'), methodNotAllowed('GET'));
