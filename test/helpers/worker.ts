/**
 * Calls into the worker under test, in workerd, with its real D1.
 *
 * `call` goes through the worker's own `fetch` export with the test env (optionally changed, to
 * test another configuration); nothing in the worker is replaced.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../src/index.ts';
import { signatureHeader } from '../factories/events.ts';

export const PLATFORM_SECRET = 'whsec_test_platform_current';
export const PLATFORM_PREVIOUS_SECRET = 'whsec_test_platform_previous';
export const CONNECT_SECRET = 'whsec_test_connect_current';
export const API_TOKEN = 'test-api-token';

export type TestEnv = typeof env;

/** Sends a request to the worker with `overrides` applied to its env. */
export async function call(request: Request, overrides: Partial<Record<string, unknown>> = {}) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, { ...env, ...overrides } as TestEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** Posts a raw body with a given signature header (or none) to the webhook. */
export function postWebhook(
  body: string,
  signature: string | null,
  overrides: Partial<Record<string, unknown>> = {},
  path = '/stripe/webhook',
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== null) headers['stripe-signature'] = signature;
  return call(
    new Request(`https://worker.test${path}`, { method: 'POST', headers, body }),
    overrides,
  );
}

/** Signs `event` with `secret` (the Connect secret by default) and delivers it. */
export async function deliver(
  event: Record<string, unknown>,
  opts: { secret?: string; timestamp?: number; overrides?: Partial<Record<string, unknown>> } = {},
) {
  const body = JSON.stringify(event);
  const header = await signatureHeader(body, opts.secret ?? CONNECT_SECRET, opts.timestamp);
  return postWebhook(body, header, opts.overrides);
}

/** Calls the API with the test token. */
export function api(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = API_TOKEN,
) {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return call(
    new Request(`https://worker.test${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}

/** Starts tracking an invoice and returns its JSON. */
export async function track(invoice: string, account = 'acct_1TestConnected') {
  const response = await api('PUT', `/api/invoices/${invoice}`, { stripe_account_id: account });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`track failed: ${response.status} ${await response.text()}`);
  }
  return response.json();
}

/** Reads an invoice back through the API. */
export async function readInvoice(invoice: string): Promise<InvoiceView> {
  const response = await api('GET', `/api/invoices/${invoice}`);
  if (response.status !== 200) throw new Error(`read failed: ${response.status}`);
  return response.json();
}

export interface InvoiceView {
  stripe_invoice_id: string;
  stripe_account_id: string;
  status: string;
  paid_at: string | null;
  stripe_customer_id: string | null;
  number: string | null;
  amount_due: number | null;
  currency: string | null;
  hosted_invoice_url: string | null;
  due_date: string | null;
  error: { code: string; message: string | null } | null;
  created_at: string;
  updated_at: string;
  events: { id: string; source: string; type: string; created: string; outcome: string }[];
}

let counter = 0;

/** A fresh invoice id, so tests never share rows. */
export function newInvoiceId(): string {
  counter += 1;
  return `in_test${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}${counter}`;
}

/** Counts rows in a table, straight from D1. */
export async function countRows(table: 'invoices' | 'invoice_events'): Promise<number> {
  const row = await env.DB.prepare(`select count(*) as n from ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}
