import { beforeAll, describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { ops } from '../helpers/ops.ts';
import { deliver, newInvoiceId, track } from '../helpers/worker.ts';

const events: Record<string, unknown>[] = [];

beforeAll(async () => {
  const tracked = newInvoiceId();
  await track(tracked, 'acct_1EventsA');

  events.push(invoiceEvent('invoice.paid', { invoice: tracked, account: 'acct_1EventsA' }));
  events.push(invoiceEvent('invoice.sent', { invoice: newInvoiceId(), account: 'acct_1EventsB' }));
  events.push(
    invoiceEvent('customer.created', { invoice: newInvoiceId(), account: 'acct_1EventsB' }),
  );
  events.push(invoiceEvent('invoice.paid', { invoice: newInvoiceId(), account: 'acct_1EventsB' }));
  for (const event of events) expect((await deliver(event)).status).toBe(200);
});

describe('GET /ops/events', () => {
  it('lists recorded events newest first with everything ops needs', async () => {
    const res = await ops('/ops/events');

    expect(res.status).toBe(200);
    expect(res.body.events).toHaveLength(4);
    expect(res.body.events[0]).toEqual({
      id: events[3]?.id,
      source: 'webhook',
      type: 'invoice.paid',
      account: 'acct_1EventsB',
      invoice: expect.stringMatching(/^in_/),
      outcome: 'untracked',
      secret: 'connect:0',
      livemode: false,
      api_version: expect.any(String),
      created: expect.any(String),
      received_at: expect.any(String),
      target_status: 'paid',
      error: null,
    });
    expect(res.body.next_cursor).toBeNull();
  });

  it('filters by outcome, type and account', async () => {
    const ids = async (query: string) =>
      (await ops(`/ops/events?${query}`)).body.events.map((e: any) => e.id);

    expect(await ids('outcome=applied')).toEqual([events[0]?.id]);
    expect(await ids('outcome=ignored')).toEqual([events[2]?.id]);
    expect(await ids('type=invoice.paid&account=acct_1EventsB')).toEqual([events[3]?.id]);
    expect(await ids('account=acct_1EventsB&limit=1')).toEqual([events[3]?.id]);
  });

  it('pages with a cursor', async () => {
    const first = await ops('/ops/events?limit=3');
    const second = await ops(`/ops/events?limit=3&cursor=${first.body.next_cursor}`);

    expect(first.body.events).toHaveLength(3);
    expect(second.body.events.map((e: any) => e.id)).toEqual([events[0]?.id]);
    expect(second.body.next_cursor).toBeNull();
  });

  it.each(['outcome=great', 'type=DROP TABLE', 'account=nobody', 'limit=1000', 'cursor=%%%'])(
    'answers 422 to %s',
    async (query) => {
      expect((await ops(`/ops/events?${query}`)).status).toBe(422);
    },
  );
});
