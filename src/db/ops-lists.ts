/**
 * The ops views' list queries: newest first, filtered, keyset-paginated.
 *
 * Each query asks for one row more than the page so the caller knows whether another page exists
 * without a count.
 */
import { and, desc, eq, gte, lt, or, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Database } from './client.ts';
import { invoiceEvents, invoices, type InvoiceEventRow, type InvoiceRow } from './schema.ts';
import type { CursorKey } from '../ops/cursor.ts';

export interface Page<T> {
  rows: T[];
  /** The sort key of the last row when more rows follow, else null. */
  next: CursorKey | null;
}

export interface InvoiceFilters {
  status?: string;
  account?: string;
  updatedSinceMs?: number;
}

export interface EventFilters {
  outcome?: string;
  type?: string;
  account?: string;
  source?: string;
  invoice?: string;
}

function page<T>(rows: T[], limit: number, key: (row: T) => CursorKey): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { rows: kept, next: more && last ? key(last) : null };
}

/** An equality filter, or none when the value was not asked for. */
const matches = (column: SQLiteColumn, value: string | undefined): SQL | undefined =>
  value === undefined ? undefined : eq(column, value);

/** Rows strictly after `cursor` in (time desc, id desc) order. */
function after(time: SQLiteColumn, id: SQLiteColumn, cursor?: CursorKey): SQL | undefined {
  if (!cursor) return undefined;
  return or(lt(time, cursor.at), and(eq(time, cursor.at), lt(id, cursor.id)));
}

/** Invoices, most recently changed first. */
export async function listInvoices(
  db: Database,
  filters: InvoiceFilters,
  limit: number,
  cursor?: CursorKey,
): Promise<Page<InvoiceRow>> {
  const rows = await db
    .select()
    .from(invoices)
    .where(
      and(
        matches(invoices.status, filters.status),
        matches(invoices.stripeAccountId, filters.account),
        filters.updatedSinceMs === undefined
          ? undefined
          : gte(invoices.updatedAt, filters.updatedSinceMs),
        after(invoices.updatedAt, invoices.stripeInvoiceId, cursor),
      ),
    )
    .orderBy(desc(invoices.updatedAt), desc(invoices.stripeInvoiceId))
    .limit(limit + 1);

  return page(rows, limit, (row) => ({ at: row.updatedAt, id: row.stripeInvoiceId }));
}

/** Recorded events, most recently received first. */
export async function listEvents(
  db: Database,
  filters: EventFilters,
  limit: number,
  cursor?: CursorKey,
): Promise<Page<InvoiceEventRow>> {
  const rows = await db
    .select()
    .from(invoiceEvents)
    .where(
      and(
        matches(invoiceEvents.outcome, filters.outcome),
        matches(invoiceEvents.type, filters.type),
        matches(invoiceEvents.account, filters.account),
        matches(invoiceEvents.source, filters.source),
        matches(invoiceEvents.invoiceId, filters.invoice),
        after(invoiceEvents.receivedAt, invoiceEvents.id, cursor),
      ),
    )
    .orderBy(desc(invoiceEvents.receivedAt), desc(invoiceEvents.id))
    .limit(limit + 1);

  return page(rows, limit, (row) => ({ at: row.receivedAt, id: row.id }));
}
