/**
 * Property: whatever bytes, headers, signatures and JSON shapes reach the webhook, it never
 * answers 5xx, never writes a row unless Stripe signed a real event, and never echoes the input or
 * a secret in its answer or its logs.
 *
 * Every generated input carries a canary string (in the body, the signature header and an extra
 * header) so "echoed" can be checked exactly, whatever the random input looks like.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invoiceEvent, signatureHeader } from '../factories/events.ts';
import { captureLogs } from '../helpers/logs.ts';
import {
  API_TOKEN,
  CONNECT_SECRET,
  PLATFORM_PREVIOUS_SECRET,
  PLATFORM_SECRET,
  call,
  countRows,
} from '../helpers/worker.ts';
import { numRuns, timeoutFor } from './runs.ts';

const RUNS = numRuns(60);

const SECRETS = [
  CONNECT_SECRET,
  PLATFORM_SECRET,
  PLATFORM_PREVIOUS_SECRET,
  API_TOKEN,
  'test-ops-token',
  'sk_test_worker_key_for_tests',
];

const now = () => Math.floor(Date.now() / 1000);
const encoder = new TextEncoder();

/** Bodies: raw bytes, text, any JSON, and real events with a required field broken. */
const body = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
  fc.string({ unit: 'binary', maxLength: 256 }).map((text) => ({ kind: 'text' as const, text })),
  fc.json({ maxDepth: 4 }).map((text) => ({ kind: 'text' as const, text })),
  fc
    .record({
      field: fc.constantFrom('id', 'type', 'created', 'data', 'data.object', 'account', 'livemode'),
      value: fc.oneof(
        fc.constant(null),
        fc.integer(),
        fc.string(),
        fc.constant(-1),
        fc.array(fc.nat()),
      ),
    })
    .map(({ field, value }) => ({ kind: 'broken' as const, field, value })),
  fc.constant({ kind: 'event' as const }),
);

/** How the signature header is made: none of them is a valid signature of a real event. */
const signature = fc.oneof(
  fc.constant({ kind: 'absent' as const }),
  fc
    .string({ unit: 'grapheme-ascii', maxLength: 120 })
    .map((text) => ({ kind: 'random' as const, text })),
  fc
    .record({
      t: fc.integer({ min: -1, max: 4_000_000_000 }),
      v1: fc.stringMatching(/^[0-9a-f]{0,64}$/),
    })
    .map((parts) => ({ kind: 'shaped' as const, ...parts })),
  fc.constantFrom(
    { kind: 'wrong_secret' as const },
    { kind: 'stale' as const },
    { kind: 'future' as const },
    { kind: 'other_body' as const },
    { kind: 'two_timestamps' as const },
    // Signed right: only bodies that are not Stripe events may be sent with it.
    { kind: 'valid' as const },
  ),
);

const extraHeader = fc.record({
  name: fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
  value: fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((v) => v.replace(/[\r\n]/g, '')),
});

const input = fc.record({
  body,
  signature,
  extra: fc.array(extraHeader, { maxLength: 3 }),
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', ''),
  method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE'),
  path: fc.constantFrom('/stripe/webhook', '/stripe/webhook/'),
});

type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;

function bodyBytes(spec: Input['body'], canary: string): Uint8Array {
  const marker = encoder.encode(canary);
  if (spec.kind === 'bytes') return new Uint8Array([...spec.bytes, ...marker]);
  if (spec.kind === 'text') return encoder.encode(`${spec.text}${canary}`);

  const event = invoiceEvent('invoice.paid', { invoice: `in_${canary}` }) as Record<
    string,
    unknown
  >;
  event.id = `evt_${canary}`;
  if (spec.kind === 'broken') {
    if (spec.field === 'data.object') (event.data as Record<string, unknown>).object = spec.value;
    else event[spec.field] = spec.value;
  }
  return encoder.encode(JSON.stringify(event));
}

/** Whether Stripe could have sent `bytes`: then a valid signature would rightly be recorded. */
function couldBeEvent(spec: Input['body']): boolean {
  if (spec.kind === 'event') return true;
  if (spec.kind !== 'broken') return false;
  // Optional fields accept null, and any livemode boolean: those stay valid events.
  return (spec.field === 'account' && spec.value === null) || spec.field === 'livemode';
}

async function signatureFor(spec: Input['signature'], text: string, canary: string) {
  const t = now();
  switch (spec.kind) {
    case 'absent':
      return null;
    case 'random':
      return `${spec.text}${canary}`;
    case 'shaped':
      return `t=${spec.t},v1=${spec.v1},v0=${canary}`;
    case 'wrong_secret':
      return `${await signatureHeader(text, 'whsec_not_configured_anywhere', t)},v0=${canary}`;
    case 'stale':
      return `${await signatureHeader(text, CONNECT_SECRET, t - 301)},v0=${canary}`;
    case 'future':
      return `${await signatureHeader(text, CONNECT_SECRET, t + 301)},v0=${canary}`;
    case 'other_body':
      return `${await signatureHeader(`${text} `, CONNECT_SECRET, t)},v0=${canary}`;
    case 'two_timestamps':
      return `t=${t - 1},${await signatureHeader(text, CONNECT_SECRET, t)},v0=${canary}`;
    case 'valid':
      return `${await signatureHeader(text, CONNECT_SECRET, t)},v0=${canary}`;
  }
}

describe('bad input to the webhook', () => {
  const logs = captureLogs();

  it(
    'never answers 5xx, never writes, and never echoes the input or a secret',
    async () => {
      await fc.assert(
        fc.asyncProperty(input, async (spec) => {
          // A signed real event is not bad input: it is recorded, and rightly so.
          fc.pre(!(spec.signature.kind === 'valid' && couldBeEvent(spec.body)));

          const canary = `zzcanary${crypto.randomUUID().replaceAll('-', '')}`;
          const bytes = bodyBytes(spec.body, canary);
          const text = new TextDecoder().decode(bytes);
          const header = await signatureFor(spec.signature, text, canary);

          const headers = new Headers();
          if (spec.contentType) headers.set('content-type', spec.contentType);
          if (header !== null) headers.set('stripe-signature', header);
          for (const { name, value } of spec.extra) headers.set(name, `${value}${canary}`);

          const before = [await countRows('invoices'), await countRows('invoice_events')];
          const linesBefore = logs.lines.length;

          const response = await call(
            new Request(`https://worker.test${spec.path}`, {
              method: spec.method,
              headers,
              body: bytes,
            }),
          );
          const answer = await response.text();

          expect(response.status).toBeLessThan(500);
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect([await countRows('invoices'), await countRows('invoice_events')]).toEqual(before);

          const written = [answer, ...logs.lines.slice(linesBefore)].join('\n');
          expect(written).not.toContain(canary);
          if (header !== null) expect(written).not.toContain(header);
          for (const secret of SECRETS) expect(written).not.toContain(secret);
        }),
        { numRuns: RUNS },
      );
    },
    timeoutFor(RUNS, 200),
  );

  it('a correctly signed body over the size limit answers 413 and writes nothing', async () => {
    const canary = `zzcanary${crypto.randomUUID().replaceAll('-', '')}`;
    const event = invoiceEvent('invoice.paid', { invoice: 'in_oversized' });
    (event.data as Record<string, unknown>).padding = canary.repeat(40_000);
    const text = JSON.stringify(event);
    const header = await signatureHeader(text, CONNECT_SECRET);
    const before = [await countRows('invoices'), await countRows('invoice_events')];

    const response = await call(
      new Request('https://worker.test/stripe/webhook', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': header },
        body: text,
      }),
    );

    expect(response.status).toBe(413);
    expect([await countRows('invoices'), await countRows('invoice_events')]).toEqual(before);
    expect([await response.text(), ...logs.lines].join('\n')).not.toContain(canary);
  });
});
