/**
 * Builds a realistic Stripe invoice event, signs it with the local webhook secret and posts it to
 * the local worker, so the whole path can be seen without a Stripe account.
 *
 *   npm run send-event -- invoice.paid --invoice in_123 --account acct_123
 *
 * The secret comes from .dev.vars (STRIPE_CONNECT_WEBHOOK_SECRET, or STRIPE_WEBHOOK_SECRET with
 * --platform) unless --secret is given. Run `npm run send-event -- --help` for every option.
 */
import { parseArgs } from 'node:util';
import { invoiceEvent, signatureHeader } from '../test/factories/events.ts';
import { firstSecret, readDevVars } from './lib/dev-vars.ts';

const HELP = `Usage: npm run send-event -- <event-type> --invoice in_... [options]

  <event-type>        e.g. invoice.paid, invoice.payment_succeeded, invoice.payment_failed,
                      invoice.voided, invoice.marked_uncollectible, invoice.finalized
  --invoice ID        the Stripe invoice id (required)
  --account ID        the connected account (default acct_1LocalDemo)
  --platform          send as a platform event: no account, signed with STRIPE_WEBHOOK_SECRET
  --url URL           where to post (default http://127.0.0.1:8787/stripe/webhook)
  --secret WHSEC      the signing secret (default: from .dev.vars)
  --created SECONDS   the event's creation time (default: now)
  --id EVT            the event id (default: a new one; repeat one to see a duplicate)
  --livemode          mark the event as live mode
  --print             print the signed event instead of sending it`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    invoice: { type: 'string' },
    account: { type: 'string', default: 'acct_1LocalDemo' },
    platform: { type: 'boolean', default: false },
    url: { type: 'string', default: 'http://127.0.0.1:8787/stripe/webhook' },
    secret: { type: 'string' },
    created: { type: 'string' },
    id: { type: 'string' },
    livemode: { type: 'boolean', default: false },
    print: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const type = positionals[0];
if (values.help || !type || !values.invoice) {
  console.log(HELP);
  process.exit(values.help ? 0 : 2);
}

const vars = readDevVars();
const secret =
  values.secret ??
  firstSecret(values.platform ? vars.STRIPE_WEBHOOK_SECRET : vars.STRIPE_CONNECT_WEBHOOK_SECRET);

if (!secret) {
  console.error('No signing secret: create .dev.vars from .dev.vars.example, or pass --secret.');
  process.exit(2);
}

const event = invoiceEvent(type, {
  invoice: values.invoice,
  account: values.platform ? null : values.account,
  created: values.created ? Number(values.created) : undefined,
  id: values.id,
  livemode: values.livemode,
});

const body = JSON.stringify(event);
const signature = await signatureHeader(body, secret);

if (values.print) {
  console.log(JSON.stringify({ 'stripe-signature': signature, event }, null, 2));
  process.exit(0);
}

try {
  const response = await fetch(values.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body,
  });
  console.log(`${type} ${event.id} for ${values.invoice} -> HTTP ${response.status}`);
  console.log(await response.text());
  process.exit(response.ok ? 0 : 1);
} catch (err) {
  console.error(
    `Could not reach ${values.url}: ${(err as Error).message}. Is \`npm run dev\` running?`,
  );
  process.exit(1);
}
