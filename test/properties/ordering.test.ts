/**
 * Property: for a random history of events for one invoice, every delivery order (with duplicates
 * and with tracking at any point) ends in the state in-order delivery gives, that state is the one
 * the rules give (test/model/invoice-rules.ts, written apart from the worker's code), and each
 * event is recorded once with an outcome the rules allow.
 */
import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { captureLogs } from '../helpers/logs.ts';
import {
  CONNECT_SECRET,
  PLATFORM_SECRET,
  deliver,
  newInvoiceId,
  track,
} from '../helpers/worker.ts';
import { allowedOutcomes, finalState, type ModelEvent } from '../model/invoice-rules.ts';
import { numRuns, timeoutFor } from './runs.ts';

const RUNS = numRuns(25);

const HOME = 'acct_1PropertyHome';
const STRANGER = 'acct_1PropertyStranger';
const BASE = 1_800_000_000;

const TYPES = [
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'invoice.deleted',
  'invoice.finalized',
  'invoice.updated',
  'invoice.upcoming',
] as const;

const eventSpec = fc.record({
  type: fc.constantFrom(...TYPES),
  // A handful of seconds, so same-second ties are common.
  second: fc.integer({ min: 0, max: 3 }),
  account: fc.constantFrom<string | null>(HOME, HOME, HOME, HOME, STRANGER, null),
  livemode: fc.constantFrom(false, false, false, false, false, true),
  status: fc.constantFrom<string | null | undefined>(
    undefined,
    undefined,
    undefined,
    'open',
    'uncollectible',
    'paid',
    null,
  ),
  paidAgo: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
  // Decides the id order, which breaks the remaining ties.
  rank: fc.integer({ min: 0, max: 999 }),
});

type Spec = typeof eventSpec extends fc.Arbitrary<infer T> ? T : never;

/** A delivery plan: the events (index into the history, duplicates included) and when to track. */
const scenario = fc.array(eventSpec, { minLength: 1, maxLength: 7 }).chain((history) => {
  const indices = history.map((_, i) => i);
  const plan = fc.tuple(fc.subarray(indices), fc.nat()).chain(([duplicates, trackSeed]) => {
    const deliveries = [...indices, ...duplicates];
    return fc.record({
      order: fc.shuffledSubarray(deliveries, {
        minLength: deliveries.length,
        maxLength: deliveries.length,
      }),
      trackAt: fc.constant(trackSeed % (deliveries.length + 1)),
    });
  });
  return fc.record({
    history: fc.constant(history),
    orders: fc.array(plan, { minLength: 1, maxLength: 3 }),
  });
});

interface Built {
  event: Record<string, unknown>;
  model: ModelEvent;
}

/** The history's events with ids of this run: one tag per run, the rank keeps the id order. */
function build(history: Spec[], invoice: string): Built[] {
  const tag = crypto.randomUUID().replaceAll('-', '').slice(0, 10);
  return history.map((spec, index) => {
    const created = BASE + spec.second;
    const event = invoiceEvent(spec.type, {
      invoice,
      id: `evt_${tag}_${String(spec.rank).padStart(3, '0')}_${index}`,
      account: spec.account,
      livemode: spec.livemode,
      created,
      status: spec.status,
      paidAt: spec.paidAgo === null ? null : created - spec.paidAgo,
    });
    const object = (event.data as { object: Record<string, unknown> }).object;
    const transitions = object.status_transitions as { paid_at?: number | null } | undefined;
    return {
      event,
      model: {
        id: event.id as string,
        type: spec.type,
        created,
        account: spec.account,
        livemode: spec.livemode,
        invoiceStatus: (object.status as string | undefined) ?? null,
        paidAt: transitions?.paid_at ?? null,
      },
    };
  });
}

async function send(built: Built): Promise<void> {
  const secret = built.model.account === null ? PLATFORM_SECRET : CONNECT_SECRET;
  const response = await deliver(built.event, { secret });
  expect(response.status).toBe(200);
}

/** The stored state, with the deciding event named by its position in the history. */
async function stored(invoice: string, built: Built[]) {
  const row = await env.DB.prepare(
    'select status, paid_at, status_event_id from invoices where stripe_invoice_id = ?',
  )
    .bind(invoice)
    .first<{ status: string; paid_at: number | null; status_event_id: string | null }>();
  if (!row) throw new Error(`${invoice} is not tracked`);
  const winner = built.findIndex((b) => b.model.id === row.status_event_id);
  return { status: row.status, paidAt: row.paid_at, winner };
}

describe('delivery order', () => {
  // Keeps the worker's log lines out of the test output.
  captureLogs();

  it(
    'every order, with duplicates and tracking at any point, ends in the in-order state, and that state is the rules’ own',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ history, orders }) => {
          // In order: tracked first, events by creation time (ties in history order).
          const inOrderInvoice = newInvoiceId();
          const inOrder = build(history, inOrderInvoice);
          await track(inOrderInvoice, HOME);
          const sorted = [...inOrder].sort((a, b) => a.model.created - b.model.created);
          for (const built of sorted) await send(built);
          const expected = await stored(inOrderInvoice, inOrder);

          const model = finalState(
            sorted.map((b) => b.model),
            HOME,
          );
          expect(expected).toEqual({
            status: model.status,
            paidAt: model.paidAt,
            winner: inOrder.findIndex((b) => b.model.id === model.eventId),
          });

          for (const { order, trackAt } of orders) {
            const invoice = newInvoiceId();
            const built = build(history, invoice);
            for (const [position, index] of order.entries()) {
              if (position === trackAt) await track(invoice, HOME);
              await send(built[index] as Built);
            }
            if (trackAt >= order.length) await track(invoice, HOME);

            expect(await stored(invoice, built)).toEqual(expected);

            // Each event recorded once, with an outcome the rules allow.
            const { results } = await env.DB.prepare(
              'select id, outcome from invoice_events where id in (select value from json_each(?))',
            )
              .bind(JSON.stringify(built.map((b) => b.model.id)))
              .all<{ id: string; outcome: string }>();
            expect(results).toHaveLength(history.length);
            const winner = built[expected.winner]?.model.id ?? null;
            for (const { id, outcome } of results) {
              const event = built.find((b) => b.model.id === id) as Built;
              expect(allowedOutcomes(event.model, HOME, winner)).toContain(outcome);
            }
          }
        }),
        { numRuns: RUNS },
      );
    },
    timeoutFor(RUNS, 1000),
  );
});
