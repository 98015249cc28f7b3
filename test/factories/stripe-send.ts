/**
 * Stripe's answers to the calls that send an invoice, for the stand-in: the customer, the draft
 * invoice, its items, the finalized and the sent invoice. Built from Stripe's own example invoice
 * and invoice item (stripe/openapi fixtures3.json, 2026-07-29.dahlia) with the fields each step
 * changes set coherently. Used by the tests and by the dev stand-in (`npm run stripe-stand-in`).
 */
import baseInvoice from '../fixtures/stripe/stripe-openapi/invoice.HEAD-2026-07-29.dahlia.json' with { type: 'json' };
import baseItem from '../fixtures/stripe/stripe-openapi/invoiceitem.HEAD-2026-07-29.dahlia.json' with { type: 'json' };
import type { Route } from '../stand-in/server.ts';

export interface InvoiceFacts {
  id: string;
  customer: string;
  currency?: string;
  amountDue?: number;
  /** Unix seconds; the draft is created an hour before. */
  finalizedAt?: number;
  daysUntilDue?: number;
  hostBase?: string;
}

type Json = Record<string, unknown>;

export function customerObject(id: string, email: string, name: string): Json {
  return { id, object: 'customer', email, name, livemode: false, metadata: {} };
}

/** The invoice as Stripe answers at `stage`. */
export function invoiceObject(stage: 'draft' | 'open' | 'sent', facts: InvoiceFacts): Json {
  const finalizedAt = facts.finalizedAt ?? 1_800_000_000;
  const daysUntilDue = facts.daysUntilDue ?? 30;
  const invoice = structuredClone(baseInvoice) as Json;
  const open = stage !== 'draft';

  return {
    ...invoice,
    id: facts.id,
    customer: facts.customer,
    currency: facts.currency ?? 'usd',
    collection_method: 'send_invoice',
    auto_advance: false,
    status: open ? 'open' : 'draft',
    created: finalizedAt - 3600,
    days_until_due: daysUntilDue,
    number: open ? `STANDIN-${facts.id.slice(-6).toUpperCase()}` : null,
    amount_due: open ? (facts.amountDue ?? 0) : 0,
    amount_remaining: open ? (facts.amountDue ?? 0) : 0,
    hosted_invoice_url: open
      ? `${facts.hostBase ?? 'https://invoice.stripe.test'}/i/${facts.id}`
      : null,
    due_date: open ? finalizedAt + daysUntilDue * 86_400 : null,
    status_transitions: {
      finalized_at: open ? finalizedAt : null,
      marked_uncollectible_at: null,
      paid_at: null,
      voided_at: null,
    },
  };
}

export function invoiceItemObject(id: string, fields: Json): Json {
  return { ...structuredClone(baseItem), id, ...fields };
}

/** A Stripe error answer. */
export function stripeError(status: number, type: string, code: string | null, message: string) {
  return { status, body: { error: { type, message, ...(code ? { code } : {}) } } };
}

export interface SendScript {
  invoice: InvoiceFacts;
  /** Set when the send creates its customer. */
  newCustomer?: { email: string; name: string };
  items: number;
}

/** Every answer a send that succeeds needs, in the order it asks. */
export function sendRoutes(script: SendScript): Route[] {
  const { invoice } = script;
  const routes: Route[] = [];

  if (script.newCustomer) {
    const { email, name } = script.newCustomer;
    routes.push({
      method: 'POST',
      path: '/v1/customers',
      times: 1,
      body: customerObject(invoice.customer, email, name),
    });
  }

  routes.push(
    { method: 'POST', path: '/v1/invoices', times: 1, body: invoiceObject('draft', invoice) },
    {
      method: 'POST',
      path: '/v1/invoiceitems',
      times: script.items,
      body: invoiceItemObject(`ii_${invoice.id.slice(3)}`, { invoice: invoice.id }),
    },
    {
      method: 'POST',
      path: `/v1/invoices/${invoice.id}/finalize`,
      times: 1,
      body: invoiceObject('open', invoice),
    },
    {
      method: 'POST',
      path: `/v1/invoices/${invoice.id}/send`,
      times: 1,
      body: invoiceObject('sent', invoice),
    },
  );
  return routes;
}
