/**
 * Signature checks: every configured secret works, anything unsigned or mis-signed is refused with
 * a fixed 400 and writes nothing, and no secret or payload leaves the worker.
 */
import { describe, expect, it } from 'vitest';
import { invoiceEvent, signatureHeader } from '../factories/events.ts';
import { captureLogs, entries } from '../helpers/logs.ts';
import {
  CONNECT_SECRET,
  PLATFORM_PREVIOUS_SECRET,
  PLATFORM_SECRET,
  call,
  countRows,
  deliver,
  newInvoiceId,
  postWebhook,
} from '../helpers/worker.ts';
import { env } from 'cloudflare:test';

const logs = captureLogs();
const now = () => Math.floor(Date.now() / 1000);

async function storedSecret(eventId: string) {
  const row = await env.DB.prepare('select secret from invoice_events where id = ?')
    .bind(eventId)
    .first<{ secret: string }>();
  return row?.secret;
}

function expectNoLeaks(texts: string[], payload: string) {
  const secrets = [PLATFORM_SECRET, PLATFORM_PREVIOUS_SECRET, CONNECT_SECRET, 'test-api-token'];
  for (const text of texts) {
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain(payload.slice(0, 40));
    expect(text).not.toMatch(/v1=[0-9a-f]{64}/);
  }
}

describe('a delivery signed with a configured secret', () => {
  it.each([
    ['the platform secret', PLATFORM_SECRET, 'platform:0'],
    ['the previous platform secret, while it is rolled', PLATFORM_PREVIOUS_SECRET, 'platform:1'],
    ['the Connect secret, configured with surrounding spaces', CONNECT_SECRET, 'connect:0'],
  ])('is accepted with %s and records which one matched', async (_name, secret, label) => {
    const event = invoiceEvent('invoice.created', { invoice: newInvoiceId() });
    const response = await deliver(event, { secret });

    expect(response.status).toBe(200);
    expect(await storedSecret(event.id as string)).toBe(label);
  });

  it('is accepted when the header carries two v1 signatures and only the second matches', async () => {
    const event = invoiceEvent('invoice.created', { invoice: newInvoiceId() });
    const body = JSON.stringify(event);
    const good = await signatureHeader(body, CONNECT_SECRET);
    const [t, v1] = good.split(',');
    const header = `${t},v1=${'0'.repeat(64)},${v1}`;

    const response = await postWebhook(body, header);
    expect(response.status).toBe(200);
  });

  it('is accepted when both endpoints share one secret, as with stripe listen', async () => {
    const event = invoiceEvent('invoice.created', { invoice: newInvoiceId() });
    const response = await deliver(event, {
      secret: 'whsec_shared',
      overrides: {
        STRIPE_WEBHOOK_SECRET: 'whsec_shared',
        STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_shared',
      },
    });
    expect(response.status).toBe(200);
  });

  it('is accepted on the predecessor’s URL with a trailing slash', async () => {
    const event = invoiceEvent('invoice.created', { invoice: newInvoiceId() });
    const body = JSON.stringify(event);
    const response = await postWebhook(
      body,
      await signatureHeader(body, CONNECT_SECRET),
      {},
      '/stripe/webhook/',
    );
    expect(response.status).toBe(200);
  });
});

describe('a delivery that fails verification', () => {
  const cases: [string, (body: string) => Promise<[string, string | null]>, string][] = [
    ['has no signature header', async (body) => [body, null], 'missing_header'],
    [
      'has a header without a timestamp',
      async (body) => [body, `v1=${'a'.repeat(64)}`],
      'malformed_header',
    ],
    [
      'has two timestamps',
      async (body) => [body, `t=${now()},t=${now()},v1=${'a'.repeat(64)}`],
      'malformed_header',
    ],
    [
      'is signed with an unknown secret',
      async (body) => [body, await signatureHeader(body, 'whsec_someone_else')],
      'no_matching_signature',
    ],
    [
      'has a tampered body',
      async (body) => [
        body.replace('invoice.paid', 'invoice.voided'),
        await signatureHeader(body, CONNECT_SECRET),
      ],
      'no_matching_signature',
    ],
    [
      'is older than the tolerance',
      async (body) => [body, await signatureHeader(body, CONNECT_SECRET, now() - 305)],
      'timestamp_too_old',
    ],
    [
      'is dated further ahead than the tolerance',
      async (body) => [body, await signatureHeader(body, CONNECT_SECRET, now() + 305)],
      'timestamp_in_future',
    ],
  ];

  it.each(cases)('answers 400 and writes nothing when it %s', async (_name, build, reason) => {
    const invoice = newInvoiceId();
    const payload = JSON.stringify(invoiceEvent('invoice.paid', { invoice }));
    const [body, header] = await build(payload);
    const before = await countRows('invoice_events');

    const response = await postWebhook(body, header);
    const text = await response.text();

    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      error: { code: 'invalid_signature', message: 'Webhook signature verification failed.' },
    });
    expect(await countRows('invoice_events')).toBe(before);
    expect(entries(logs.lines)).toContainEqual(
      expect.objectContaining({ msg: 'webhook.rejected', reason }),
    );
    expectNoLeaks([text, ...logs.lines], payload);
  });

  it('accepts a timestamp just inside the tolerance on either side', async () => {
    for (const offset of [-290, 290]) {
      const event = invoiceEvent('invoice.created', { invoice: newInvoiceId() });
      const response = await deliver(event, { timestamp: now() + offset });
      expect(response.status).toBe(200);
    }
  });

  it('honours a configured tolerance', async () => {
    const event = invoiceEvent('invoice.created', { invoice: newInvoiceId() });
    const response = await deliver(event, {
      timestamp: now() - 120,
      overrides: { STRIPE_WEBHOOK_TOLERANCE_SECONDS: '60' },
    });
    expect(response.status).toBe(400);
  });
});

describe('a correctly signed body that is not a Stripe event', () => {
  it.each([
    ['is not JSON', 'this is not json {'],
    ['is JSON but not an object', '"just a string"'],
    ['is an object without an event id', JSON.stringify({ type: 'invoice.paid', data: {} })],
    [
      'has a non-numeric created',
      JSON.stringify({ id: 'evt_1', type: 'x', created: 'soon', data: { object: {} } }),
    ],
  ])('answers 400 with a fixed message when it %s', async (_name, body) => {
    const before = await countRows('invoice_events');
    const response = await postWebhook(body, await signatureHeader(body, CONNECT_SECRET));
    const text = await response.text();

    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      error: { code: 'invalid_event', message: 'Body is not a Stripe event.' },
    });
    expect(await countRows('invoice_events')).toBe(before);
    expectNoLeaks([text, ...logs.lines], body);
  });
});

describe('limits and configuration', () => {
  it('answers 413 to a body over 1 MiB without reading it into a record', async () => {
    const body = JSON.stringify({ padding: 'x'.repeat(1024 * 1024) });
    const response = await postWebhook(body, await signatureHeader(body, CONNECT_SECRET));
    expect(response.status).toBe(413);
  });

  it('answers 503 and logs which variables are missing when no secret is configured', async () => {
    const event = invoiceEvent('invoice.paid', { invoice: newInvoiceId() });
    const response = await deliver(event, {
      overrides: { STRIPE_WEBHOOK_SECRET: '', STRIPE_CONNECT_WEBHOOK_SECRET: '  ' },
    });

    expect(response.status).toBe(503);
    expect(entries(logs.lines)).toContainEqual(
      expect.objectContaining({
        msg: 'webhook.not_configured',
        missing: ['STRIPE_WEBHOOK_SECRET', 'STRIPE_CONNECT_WEBHOOK_SECRET'],
      }),
    );
  });

  it('still verifies with the one endpoint secret that is configured', async () => {
    const event = invoiceEvent('invoice.created', { invoice: newInvoiceId() });
    const response = await deliver(event, { overrides: { STRIPE_WEBHOOK_SECRET: '' } });
    expect(response.status).toBe(200);
  });

  it('answers 405 to other methods on the webhook URL', async () => {
    const response = await call(new Request('https://worker.test/stripe/webhook'));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});
