/**
 * `npm run stripe-stand-in`: a local stand-in for the Stripe API calls the worker makes when it
 * sends an invoice, so the whole path runs without Stripe (there is no test-mode Stripe offline).
 *
 * It is the tests' stand-in (test/stand-in/server.ts) with a fallback script for any key that
 * answers like Stripe would: new ids for customers and invoices, the items' amounts added up, a
 * number, hosted URL and due date at finalization, and the same answer again for a repeated
 * `Idempotency-Key`. Built from Stripe's example objects (test/factories/stripe-send.ts).
 *
 *   npm run stripe-stand-in                # listens on 127.0.0.1:12111
 *   STRIPE_STAND_IN_PORT=12112 npm run stripe-stand-in
 *
 * Point the worker at it with `STRIPE_API_BASE=http://127.0.0.1:12111` in .dev.vars.
 */
import {
  customerObject,
  invoiceItemObject,
  invoiceObject,
  stripeError,
  type InvoiceFacts,
} from '../test/factories/stripe-send.ts';
import { startStandIn, type SeenRequest } from '../test/stand-in/server.ts';

const port = Number(process.env.STRIPE_STAND_IN_PORT ?? 12111);
const base = `http://127.0.0.1:${port}`;

const invoices = new Map<string, InvoiceFacts & { stage: 'draft' | 'open' | 'sent' }>();
const replies = new Map<string, { status?: number; body: unknown }>();

const newId = (prefix: string) =>
  `${prefix}_standin${crypto.randomUUID().replaceAll('-', '').slice(0, 14)}`;

/** Answers a repeated idempotency key with the first answer, as Stripe does for 24 hours. */
function idempotent(answer: (seen: SeenRequest) => { status?: number; body: unknown }) {
  return (seen: SeenRequest) => {
    const key = seen.idempotencyKey ? `${seen.stripeAccount}:${seen.idempotencyKey}` : null;
    const earlier = key ? replies.get(key) : undefined;
    if (earlier) return earlier;

    const reply = answer(seen);
    if (key) replies.set(key, reply);
    log(seen, reply.status ?? 200);
    return reply;
  };
}

function log(seen: SeenRequest, status: number) {
  const account = seen.stripeAccount ?? 'platform';
  console.log(`${status} ${seen.method} ${seen.path} (${account}, ${seen.idempotencyKey ?? '-'})`);
}

const missing = (id: string) =>
  stripeError(404, 'invalid_request_error', 'resource_missing', `No such invoice: '${id}'`);

function invoiceAction(seen: SeenRequest) {
  const [, , , id = '', action] = seen.path.split('/');
  const invoice = invoices.get(id);
  if (!invoice) return missing(id);

  if (action === 'finalize' && invoice.stage === 'draft') {
    invoice.stage = 'open';
    invoice.finalizedAt = Math.floor(Date.now() / 1000);
  } else if (action === 'send' && invoice.stage !== 'draft') {
    invoice.stage = 'sent';
  } else if (action !== undefined) {
    const message = `This invoice cannot be ${action === 'send' ? 'sent' : 'finalized'} now.`;
    return stripeError(400, 'invalid_request_error', 'invoice_not_editable', message);
  }
  return { body: invoiceObject(invoice.stage, invoice) };
}

const server = await startStandIn(port, {
  fallback: [
    {
      method: 'POST',
      path: '/v1/customers',
      reply: idempotent((seen) => ({
        body: customerObject(newId('cus'), seen.form.email ?? '', seen.form.name ?? ''),
      })),
    },
    {
      method: 'POST',
      path: '/v1/invoices',
      reply: idempotent((seen) => {
        const id = newId('in');
        const facts = {
          id,
          customer: seen.form.customer ?? '',
          currency: seen.form.currency ?? 'usd',
          daysUntilDue: Number(seen.form.days_until_due ?? 30),
          amountDue: 0,
          hostBase: base,
          stage: 'draft' as const,
        };
        invoices.set(id, facts);
        return { body: invoiceObject('draft', facts) };
      }),
    },
    {
      method: 'POST',
      path: '/v1/invoiceitems',
      reply: idempotent((seen) => {
        const invoice = invoices.get(seen.form.invoice ?? '');
        if (!invoice) return missing(seen.form.invoice ?? '');
        const amount = Number(seen.form.unit_amount_decimal) * Number(seen.form.quantity ?? 1);
        invoice.amountDue = (invoice.amountDue ?? 0) + amount;
        return { body: invoiceItemObject(newId('ii'), { ...seen.form, amount }) };
      }),
    },
    { method: 'POST', path: '/v1/invoices/*', reply: idempotent(invoiceAction) },
    {
      method: 'GET',
      path: '/v1/invoices/*',
      reply: (seen) => {
        log(seen, 200);
        return invoiceAction(seen);
      },
    },
  ],
});

console.log(`Stripe stand-in on ${base} (any key). Ctrl-C to stop.`);
process.on('SIGINT', () => server.close(() => process.exit(0)));
