/**
 * What `POST /api/invoices` accepts, checked with Zod before anything reaches Stripe.
 *
 * The bounds are Stripe's where Stripe has one (metadata: 50 keys of at most 40 characters, values
 * of at most 500; amounts of at most eight digits) so a request we accept is not refused by Stripe
 * for its shape, and ours where Stripe's would be unhelpfully large (100 lines, a year to pay).
 */
import * as z from 'zod';
import { accountId } from '../routes/invoices.ts';

/** Stripe's largest amount for most currencies, in the smallest unit. */
export const MAX_AMOUNT = 99_999_999;

export const MAX_ITEMS = 100;

const customerId = z
  .string()
  .max(255)
  .regex(/^cus_[A-Za-z0-9]+$/, 'must be a Stripe customer id (cus_...)');

const newCustomer = z.strictObject({
  email: z.email('must be an email address').max(512),
  name: z.string().trim().min(1, 'must not be empty').max(256),
});

const lineItem = z.strictObject({
  description: z.string().trim().min(1, 'must not be empty').max(500),
  unit_amount: z
    .number()
    .int('must be a whole number of the smallest currency unit')
    .min(1, 'must be at least 1')
    .max(MAX_AMOUNT),
  quantity: z.number().int('must be a whole number').min(1, 'must be at least 1').max(10_000),
});

const MAX_METADATA_KEYS = 50;

const metadata = z
  .record(z.string(), z.string().max(500, 'values are at most 500 characters'))
  .superRefine((value, ctx) => {
    const keys = Object.keys(value);
    if (keys.length > MAX_METADATA_KEYS) {
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_METADATA_KEYS} keys` });
    }
    for (const key of keys) {
      if (key.length === 0 || key.length > 40 || /[[\]]/.test(key)) {
        const message = 'keys are 1 to 40 characters, without square brackets';
        ctx.addIssue({ code: 'custom', path: [key], message });
      }
    }
  });

/** An existing customer's id or a new customer; the problems named are those of the one meant. */
const customer = z.unknown().transform((value, ctx): string | z.infer<typeof newCustomer> => {
  const meant = typeof value === 'string' ? customerId : newCustomer;
  if (typeof value !== 'string' && (typeof value !== 'object' || value === null)) {
    ctx.addIssue({ code: 'custom', message: 'must be a customer id (cus_...) or { email, name }' });
    return z.NEVER;
  }

  const parsed = meant.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }
  return z.NEVER;
});

export const sendRequest = z
  .strictObject({
    stripe_account_id: accountId,
    customer,
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO currency code')
      .transform((code) => code.toLowerCase()),
    days_until_due: z.number().int('must be a whole number').min(0).max(365),
    items: z.array(lineItem).min(1, 'must have at least one item').max(MAX_ITEMS),
    description: z.string().max(1500).optional(),
    metadata: metadata.optional(),
  })
  .refine(
    (request) =>
      request.items.reduce((sum, item) => sum + item.unit_amount * item.quantity, 0) <= MAX_AMOUNT,
    { path: ['items'], message: `the total must be at most ${MAX_AMOUNT}` },
  );

export type SendRequest = z.infer<typeof sendRequest>;

/** The client's key: Stripe allows 255 characters, and ours gain a suffix such as `:item:99`. */
export const idempotencyKey = z
  .string({ error: 'is required' })
  .min(1, 'is required')
  .max(200, 'must be at most 200 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** JSON with object keys sorted, so the same request hashes the same whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 (hex) of a validated request: what "the same body" means for an idempotency key. */
export async function requestHash(request: SendRequest): Promise<string> {
  const bytes = new TextEncoder().encode(canonical(request));
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
