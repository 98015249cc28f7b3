/**
 * `npm run send-invoice`: sends an invoice through the local worker (`POST /api/invoices`), and
 * with `--pay` then pays it the way Stripe would tell the worker: a signed `invoice.paid` event
 * posted to the webhook. See docs/sending.md.
 *
 *   npm run send-invoice
 *   npm run send-invoice -- --customer cus_123 --amount 2500 --quantity 3 --pay
 *
 * The API token and the Connect signing secret come from .dev.vars (or the environment).
 */
import { parseArgs } from 'node:util';
import { invoiceEvent, signatureHeader } from '../test/factories/events.ts';
import { readDevVars } from './lib/dev-vars.ts';

const { values: flags } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8787' },
    account: { type: 'string', default: 'acct_1LocalConnected' },
    customer: { type: 'string' },
    email: { type: 'string', default: 'jenny.rosen@example.com' },
    name: { type: 'string', default: 'Jenny Rosen' },
    description: { type: 'string', default: 'Consulting' },
    amount: { type: 'string', default: '5000' },
    quantity: { type: 'string', default: '2' },
    currency: { type: 'string', default: 'usd' },
    days: { type: 'string', default: '30' },
    key: { type: 'string' },
    pay: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  console.log(`npm run send-invoice -- [options]
  --url URL          the worker (default http://127.0.0.1:8787)
  --account acct_    the connected account (default acct_1LocalConnected)
  --customer cus_    an existing customer; otherwise --email and --name create one
  --description, --amount (smallest unit), --quantity, --currency, --days (until due)
  --key KEY          the Idempotency-Key (default: a new one; reuse it to see a replay)
  --pay              then post a signed invoice.paid for the new invoice`);
  process.exit(0);
}

/** KEY=value lines of .dev.vars, for what the environment does not set. */
const vars = { ...readDevVars(), ...process.env };
const token = vars.API_TOKEN;
if (!token) {
  console.error('API_TOKEN is not set: copy .dev.vars.example to .dev.vars (see docs/sending.md).');
  process.exit(2);
}

const key = flags.key ?? `local-${crypto.randomUUID()}`;
const body = {
  stripe_account_id: flags.account,
  customer: flags.customer ?? { email: flags.email, name: flags.name },
  currency: flags.currency,
  days_until_due: Number(flags.days),
  items: [
    {
      description: flags.description,
      unit_amount: Number(flags.amount),
      quantity: Number(flags.quantity),
    },
  ],
};

const sent = await fetch(`${flags.url}/api/invoices`, {
  method: 'POST',
  headers: {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'idempotency-key': key,
  },
  body: JSON.stringify(body),
});
const record = (await sent.json()) as { stripe_invoice_id?: string; status?: string };

console.log(`POST /api/invoices (Idempotency-Key: ${key}) -> ${sent.status}`);
console.log(JSON.stringify(record, null, 2));
if (sent.status !== 201) process.exit(1);

if (flags.pay) {
  const invoice = record.stripe_invoice_id as string;
  const secret = (vars.STRIPE_CONNECT_WEBHOOK_SECRET ?? '').split(',')[0]?.trim();
  if (!secret) {
    console.error('STRIPE_CONNECT_WEBHOOK_SECRET is not set, so the event cannot be signed.');
    process.exit(2);
  }

  const event = invoiceEvent('invoice.paid', { invoice, account: flags.account });
  const payload = JSON.stringify(event);
  const delivered = await fetch(`${flags.url}/stripe/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': await signatureHeader(payload, secret),
    },
    body: payload,
  });
  console.log(`invoice.paid ${event.id} -> ${delivered.status} ${await delivered.text()}`);

  const after = await fetch(`${flags.url}/api/invoices/${invoice}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const view = (await after.json()) as { status: string; paid_at: string | null };
  console.log(`${invoice} is now ${view.status} (paid_at ${view.paid_at})`);
}
