import { describe, expect, it } from 'vitest';
import { stripeClient } from '../../src/stripe/client.ts';
import { standIn } from '../helpers/stripe-stand-in.ts';

describe('the Stripe stand-in', () => {
  it('answers the real SDK over HTTP and records what it sent', async () => {
    const stripe = await standIn([
      {
        method: 'GET',
        path: '/v1/invoices/in_standin1',
        body: { id: 'in_standin1', object: 'invoice', status: 'paid' },
      },
    ]);
    const client = stripeClient({ secretKey: stripe.key, apiBase: stripe.env.STRIPE_API_BASE });

    const invoice = await client.invoices.retrieve(
      'in_standin1',
      {},
      { stripeAccount: 'acct_1Standin' },
    );

    expect(invoice.status).toBe('paid');
    const [seen] = await stripe.requests();
    expect(seen).toMatchObject({
      method: 'GET',
      path: '/v1/invoices/in_standin1',
      stripeAccount: 'acct_1Standin',
      authorization: `Bearer ${stripe.key}`,
    });
    await stripe.expectNoSurprises();
  });

  it('answers an unscripted request with an error and reports it', async () => {
    const stripe = await standIn();
    const client = stripeClient({ secretKey: stripe.key, apiBase: stripe.env.STRIPE_API_BASE });

    await expect(client.invoices.retrieve('in_nobody')).rejects.toThrow();
    const res = await fetch(`${stripe.env.STRIPE_API_BASE}/__stand-in/scripts/${stripe.key}`);
    const { unexpected } = (await res.json()) as { unexpected: unknown[] };
    expect(unexpected).toHaveLength(1);
  });
});
