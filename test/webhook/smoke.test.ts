import { describe, expect, it } from 'vitest';
import { invoiceEvent } from '../factories/events.ts';
import { deliver, newInvoiceId, readInvoice, track } from '../helpers/worker.ts';

describe('a signed invoice.paid event', () => {
  it('marks a tracked invoice paid with Stripe’s paid_at', async () => {
    const invoice = newInvoiceId();
    await track(invoice);

    const event = invoiceEvent('invoice.paid', {
      invoice,
      created: 1_800_000_000,
      paidAt: 1_799_999_990,
    });
    const response = await deliver(event);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, outcome: 'applied' });

    const view = await readInvoice(invoice);
    expect(view.status).toBe('paid');
    expect(view.paid_at).toBe(new Date(1_799_999_990 * 1000).toISOString());
    expect(view.events).toEqual([
      {
        id: event.id,
        source: 'webhook',
        type: 'invoice.paid',
        created: new Date(1_800_000_000 * 1000).toISOString(),
        outcome: 'applied',
      },
    ]);
  });
});
