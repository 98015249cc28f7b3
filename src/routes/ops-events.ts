/**
 * `GET /ops/events`: recently recorded events, newest first, filtered by outcome, type, account,
 * source or invoice, with cursor pagination. Bearer `OPS_TOKEN`.
 */
import { Hono } from 'hono';
import * as z from 'zod';
import { listEvents } from '../db/ops-lists.ts';
import type { InvoiceEventRow } from '../db/schema.ts';
import type { AppEnv } from '../env.ts';
import { requireToken } from '../lib/auth.ts';
import { methodNotAllowed } from '../lib/method-not-allowed.ts';
import { queryParams } from '../lib/query.ts';
import { isoFromMillis, isoFromSeconds } from '../lib/time.ts';
import { encodeCursor, pageQuery } from '../ops/cursor.ts';
import { accountId, invoiceId } from './invoices.ts';

const OUTCOMES = [
  'applied',
  'superseded',
  'untracked',
  'account_mismatch',
  'livemode_mismatch',
  'noted',
  'ignored',
  'invalid',
] as const;

const eventsQuery = z.strictObject({
  outcome: z.enum(OUTCOMES).optional(),
  type: z
    .string()
    .max(100)
    .regex(/^[a-z0-9_.]+$/, 'must be an event type such as invoice.paid')
    .optional(),
  account: accountId.optional(),
  source: z.enum(['webhook', 'reconciler', 'api']).optional(),
  invoice: invoiceId.optional(),
  ...pageQuery,
});

/** The ops form of a recorded event: everything stored, times as ISO 8601. */
export function opsEventJson(event: InvoiceEventRow) {
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    account: event.account,
    invoice: event.invoiceId,
    outcome: event.outcome,
    secret: event.secret,
    livemode: event.livemode,
    api_version: event.apiVersion,
    created: isoFromSeconds(event.created),
    received_at: isoFromMillis(event.receivedAt),
    target_status: event.targetStatus,
    error: event.error,
  };
}

export const opsEvents = new Hono<AppEnv>();

opsEvents.get('/ops/events', requireToken('OPS_TOKEN'), async (c) => {
  const { limit, cursor, ...filters } = queryParams(c, eventsQuery);
  const found = await listEvents(c.get('db'), filters, limit, cursor);

  return c.json({
    events: found.rows.map(opsEventJson),
    next_cursor: found.next ? encodeCursor(found.next) : null,
  });
});

opsEvents.all('/ops/events', requireToken('OPS_TOKEN'), methodNotAllowed('GET'));
