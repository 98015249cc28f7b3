import { describe, expect, it } from 'vitest';
import { newKey, postInvoice, sendBody, sendRow } from '../helpers/send.ts';
import { standIn } from '../helpers/stripe-stand-in.ts';

const item = { description: 'Consulting', unit_amount: 5000, quantity: 1 };

// Each case: what is wrong, the body (or raw text), the key, and the issue path it must name.
const cases: {
  name: string;
  body?: Record<string, unknown>;
  raw?: string;
  key?: string | null;
  path: string;
}[] = [
  { name: 'no Idempotency-Key', body: sendBody(), key: null, path: 'Idempotency-Key' },
  { name: 'an over-long key', body: sendBody(), key: 'k'.repeat(201), path: 'Idempotency-Key' },
  { name: 'a key with a space', body: sendBody(), key: 'my key', path: 'Idempotency-Key' },
  { name: 'a body that is not JSON', raw: '{"stripe_account_id":', path: '(body)' },
  { name: 'a body that is not an object', raw: '[1,2]', path: '(body)' },
  {
    name: 'no connected account',
    body: sendBody({ stripe_account_id: undefined }),
    path: 'stripe_account_id',
  },
  {
    name: 'an account that is not acct_',
    body: sendBody({ stripe_account_id: 'cus_123' }),
    path: 'stripe_account_id',
  },
  { name: 'no customer', body: sendBody({ customer: undefined }), path: 'customer' },
  {
    name: 'a customer id that is not cus_',
    body: sendBody({ customer: 'acct_123' }),
    path: 'customer',
  },
  {
    name: 'a new customer without a name',
    body: sendBody({ customer: { email: 'a@example.com' } }),
    path: 'customer.name',
  },
  {
    name: 'a new customer with a bad email',
    body: sendBody({ customer: { email: 'not-an-email', name: 'A' } }),
    path: 'customer.email',
  },
  { name: 'a currency that is not ISO', body: sendBody({ currency: 'dollars' }), path: 'currency' },
  { name: 'no currency', body: sendBody({ currency: undefined }), path: 'currency' },
  {
    name: 'negative days until due',
    body: sendBody({ days_until_due: -1 }),
    path: 'days_until_due',
  },
  {
    name: 'fractional days until due',
    body: sendBody({ days_until_due: 1.5 }),
    path: 'days_until_due',
  },
  { name: 'no items', body: sendBody({ items: [] }), path: 'items' },
  {
    name: 'too many items',
    body: sendBody({ items: Array.from({ length: 101 }, () => item) }),
    path: 'items',
  },
  {
    name: 'an item without a description',
    body: sendBody({ items: [{ ...item, description: ' ' }] }),
    path: 'items.0.description',
  },
  {
    name: 'a zero unit amount',
    body: sendBody({ items: [{ ...item, unit_amount: 0 }] }),
    path: 'items.0.unit_amount',
  },
  {
    name: 'a unit amount in major units',
    body: sendBody({ items: [{ ...item, unit_amount: 49.99 }] }),
    path: 'items.0.unit_amount',
  },
  {
    name: 'a quantity of zero',
    body: sendBody({ items: [item, { ...item, quantity: 0 }] }),
    path: 'items.1.quantity',
  },
  {
    name: 'a total above Stripe’s limit',
    body: sendBody({ items: [{ ...item, unit_amount: 60_000_000, quantity: 2 }] }),
    path: 'items',
  },
  {
    name: 'metadata that is not strings',
    body: sendBody({ metadata: { order: 42 } }),
    path: 'metadata.order',
  },
  {
    name: 'a metadata key over 40 characters',
    body: sendBody({ metadata: { ['k'.repeat(41)]: 'v' } }),
    path: `metadata.${'k'.repeat(41)}`,
  },
  {
    name: 'a description that is not text',
    body: sendBody({ description: 5 }),
    path: 'description',
  },
  { name: 'an unknown field', body: sendBody({ amount: 100 }), path: '(body)' },
  { name: 'a non-object customer', body: sendBody({ customer: 5 }), path: 'customer' },
];

describe('POST /api/invoices validation', () => {
  it.each(cases)('refuses $name with 422, naming it, and calls nothing', async (testCase) => {
    const stripe = await standIn();
    const key = testCase.key === undefined ? newKey() : testCase.key;

    const response = await postInvoice(testCase.body, { key, stripe, raw: testCase.raw });

    expect(response.status).toBe(422);
    const body = (await response.json()) as {
      error: { code: string; issues: { path: string; message: string }[] };
    };
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.issues.map((issue) => issue.path)).toContain(testCase.path);
    expect(body.error.issues.every((issue) => issue.message.length > 0)).toBe(true);

    expect(await stripe.requests()).toEqual([]);
    await stripe.expectNoSurprises();
    if (key !== null) expect(await sendRow(key)).toBeNull();
  });

  it('names every problem at once, the key included', async () => {
    const stripe = await standIn();
    const response = await postInvoice(
      sendBody({ currency: 'us', days_until_due: 'soon', items: [{ ...item, quantity: -1 }] }),
      { key: null, stripe },
    );

    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { issues: { path: string }[] } };
    expect(body.error.issues.map((issue) => issue.path).sort()).toEqual([
      'Idempotency-Key',
      'currency',
      'days_until_due',
      'items.0.quantity',
    ]);
    await stripe.expectNoSurprises();
  });

  it.each([
    [
      'a metadata value',
      (b: Record<string, unknown>) => ({ ...b, metadata: { a: '\ud800' } }),
      'metadata.a',
    ],
    [
      'an item description',
      (b: Record<string, unknown>) => ({ ...b, items: [{ ...item, description: 'x\udc00' }] }),
      'items.0.description',
    ],
  ])('answers 422 to a lone surrogate in %s and calls no Stripe API', async (_name, edit, path) => {
    const stripe = await standIn();
    const key = newKey();
    const response = await postInvoice(edit(sendBody() as Record<string, unknown>), {
      key,
      stripe,
    });

    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { issues: { path: string }[] } };
    expect(body.error.issues.map((issue) => issue.path)).toContain(path);
    expect(await stripe.requests()).toEqual([]);
    expect(await sendRow(key)).toBeNull();
  });
});
