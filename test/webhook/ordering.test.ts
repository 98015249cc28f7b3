/**
 * Delivery order: Stripe sends at least once, in any order, often several events in one second.
 * Every order of the same events must end where in-order delivery ends, and the rules hold:
 * paid and void are final, an older event never overwrites a newer state, a failed payment can
 * still be followed by a successful one.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { deliver, newInvoiceId, readInvoice, track } from '../helpers/worker.ts';

type Step = [type: string, created: number];

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Builds the events of a history once, so every order delivers the very same events. */
function buildHistory(invoice: string, steps: Step[]) {
  return steps.map(([type, created]) => invoiceEvent(type, { invoice, created }));
}

async function finalState(steps: Step[], order: number[]) {
  const invoice = newInvoiceId();
  await track(invoice);
  const events = buildHistory(invoice, steps);

  for (const index of order) {
    const response = await deliver(events[index]!);
    expect(response.status).toBe(200);
  }

  const view = await readInvoice(invoice);
  return { status: view.status, paid_at: view.paid_at };
}

const T = 1_800_000_000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

// Each history in Stripe's order, with the state in-order delivery must reach.
const histories: [string, Step[], { status: string; paid_at: string | null }][] = [
  [
    'a failed attempt, then success reported by two events in one second',
    [
      ['invoice.payment_failed', T],
      ['invoice.payment_succeeded', T + 60],
      ['invoice.paid', T + 60],
    ],
    { status: 'paid', paid_at: iso(T + 59) },
  ],
  [
    'two failed attempts then a payment',
    [
      ['invoice.payment_failed', T],
      ['invoice.payment_failed', T + 3600],
      ['invoice.paid', T + 7200],
      ['invoice.payment_succeeded', T + 7200],
    ],
    { status: 'paid', paid_at: iso(T + 7199) },
  ],
  [
    'a failed attempt, then the invoice voided',
    [
      ['invoice.payment_failed', T],
      ['invoice.voided', T + 10],
    ],
    { status: 'void', paid_at: null },
  ],
  [
    'a failed attempt and a payment in the same second',
    [
      ['invoice.payment_failed', T],
      ['invoice.paid', T],
    ],
    { status: 'paid', paid_at: iso(T - 1) },
  ],
  [
    'failed, marked uncollectible in the same second, then paid',
    [
      ['invoice.payment_failed', T],
      ['invoice.marked_uncollectible', T],
      ['invoice.paid', T + 5],
    ],
    { status: 'paid', paid_at: iso(T + 4) },
  ],
  [
    'failed and marked uncollectible in the same second',
    [
      ['invoice.payment_failed', T],
      ['invoice.marked_uncollectible', T],
    ],
    { status: 'uncollectible', paid_at: null },
  ],
  [
    'uncollectible, then voided',
    [
      ['invoice.marked_uncollectible', T],
      ['invoice.payment_failed', T + 1],
      ['invoice.voided', T + 2],
    ],
    { status: 'void', paid_at: null },
  ],
];

describe('every delivery order of one invoice’s events', () => {
  it.each(histories)('%s ends in the in-order state', async (_name, steps, expected) => {
    const inOrder = steps.map((_, i) => i);
    expect(await finalState(steps, inOrder)).toEqual(expected);

    for (const order of permutations(inOrder)) {
      expect({ order, state: await finalState(steps, order) }).toEqual({ order, state: expected });
    }
  });
});

describe('the order rules', () => {
  it('an older event does not overwrite a newer state', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const older = invoiceEvent('invoice.payment_failed', { invoice, created: T });
    const newer = invoiceEvent('invoice.marked_uncollectible', { invoice, created: T + 100 });

    await deliver(newer);
    const response = await deliver(older);

    expect(await response.json()).toEqual({ received: true, outcome: 'superseded' });
    expect((await readInvoice(invoice)).status).toBe('uncollectible');
  });

  it('a paid invoice never goes back, even to void', async () => {
    const invoice = newInvoiceId();
    await track(invoice);

    await deliver(invoiceEvent('invoice.paid', { invoice, created: T }));
    for (const type of [
      'invoice.payment_failed',
      'invoice.voided',
      'invoice.marked_uncollectible',
    ]) {
      const response = await deliver(invoiceEvent(type, { invoice, created: T + 500 }));
      expect(await response.json()).toEqual({ received: true, outcome: 'superseded' });
    }

    expect((await readInvoice(invoice)).status).toBe('paid');
  });

  it('a failed payment can be followed by a successful one', async () => {
    const invoice = newInvoiceId();
    await track(invoice);

    await deliver(invoiceEvent('invoice.payment_failed', { invoice, created: T }));
    const response = await deliver(
      invoiceEvent('invoice.payment_succeeded', { invoice, created: T + 1 }),
    );

    expect(await response.json()).toEqual({ received: true, outcome: 'applied' });
    expect((await readInvoice(invoice)).status).toBe('paid');
  });

  it('a second paid event never moves paid_at later', async () => {
    const invoice = newInvoiceId();
    await track(invoice);

    await deliver(
      invoiceEvent('invoice.payment_succeeded', { invoice, created: T + 10, paidAt: T + 9 }),
    );
    await deliver(invoiceEvent('invoice.paid', { invoice, created: T, paidAt: T - 1 }));

    expect((await readInvoice(invoice)).paid_at).toBe(iso(T - 1));
  });
});

describe('duplicate deliveries', () => {
  it('a repeated event id changes nothing and answers 200', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const failed = invoiceEvent('invoice.payment_failed', { invoice, created: T });

    expect(await (await deliver(failed)).json()).toEqual({ received: true, outcome: 'applied' });
    await deliver(invoiceEvent('invoice.marked_uncollectible', { invoice, created: T + 5 }));
    const again = await deliver(failed);

    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, outcome: 'duplicate' });
    const view = await readInvoice(invoice);
    expect(view.status).toBe('uncollectible');
    expect(view.events.filter((e) => e.id === failed.id)).toHaveLength(1);
  });

  it('copies of one event arriving at once are recorded and applied once', async () => {
    const invoice = newInvoiceId();
    await track(invoice);
    const paid = invoiceEvent('invoice.paid', { invoice, created: T });

    const responses = await Promise.all(Array.from({ length: 8 }, () => deliver(paid)));
    const outcomes = await Promise.all(
      responses.map(async (r) => [r.status, ((await r.json()) as { outcome: string }).outcome]),
    );

    expect(outcomes.filter(([status]) => status === 200)).toHaveLength(8);
    expect(outcomes.filter(([, outcome]) => outcome === 'applied')).toHaveLength(1);
    expect(outcomes.filter(([, outcome]) => outcome === 'duplicate')).toHaveLength(7);

    const rows = await env.DB.prepare('select count(*) as n from invoice_events where id = ?')
      .bind(paid.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });
});
