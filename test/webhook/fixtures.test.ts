/**
 * Real payloads written by others, across API versions from 2012 to 2026, signed and delivered.
 * Each case names its file under test/fixtures/stripe (see the README there for provenance).
 *
 * Every delivery gets a fresh event id and invoice id so cases never collide; where a capture was
 * made on a platform account, the case adds the top-level `account` a Connect delivery carries.
 */
import { describe, expect, it } from 'vitest';
import legacy from '../fixtures/stripe/stripe-java-legacy-2012/invoice-events.webhook-events.json' with { type: 'json' };
import openapi2020 from '../fixtures/stripe/stripe-openapi/invoice.2020-08-27.json' with { type: 'json' };
import openapi2023 from '../fixtures/stripe/stripe-openapi/invoice.2023-08-16.json' with { type: 'json' };
import openapiClover from '../fixtures/stripe/stripe-openapi/invoice.2025-11-12.clover.json' with { type: 'json' };
import openapiDahlia from '../fixtures/stripe/stripe-openapi/invoice.HEAD-2026-07-29.dahlia.json' with { type: 'json' };
import payAccountUpdated from '../fixtures/stripe/pay-rails-pay/account.updated.json' with { type: 'json' };
import payInvoice from '../fixtures/stripe/pay-rails-pay/invoice.json' with { type: 'json' };
import payActionRequired from '../fixtures/stripe/pay-rails-pay/invoice.payment_action_required.json' with { type: 'json' };
import payFailed from '../fixtures/stripe/pay-rails-pay/invoice.payment_failed.json' with { type: 'json' };
import payUpdated from '../fixtures/stripe/pay-rails-pay/invoice.updated.json' with { type: 'json' };
import syncDeleted from '../fixtures/stripe/supabase-stripe-sync-engine/invoice_deleted.json' with { type: 'json' };
import syncFinalized from '../fixtures/stripe/supabase-stripe-sync-engine/invoice_finalized.json' with { type: 'json' };
import syncPaid from '../fixtures/stripe/supabase-stripe-sync-engine/invoice_paid.json' with { type: 'json' };
import syncPaymentPaid from '../fixtures/stripe/supabase-stripe-sync-engine/invoice_payment_paid.json' with { type: 'json' };
import syncUpdated from '../fixtures/stripe/supabase-stripe-sync-engine/invoice_updated.json' with { type: 'json' };
import syncVoided from '../fixtures/stripe/supabase-stripe-sync-engine/invoice_voided.json' with { type: 'json' };
import { eventId } from '../factories/events.ts';
import { deliver, newInvoiceId, readInvoice, track } from '../helpers/worker.ts';

const ACCOUNT = 'acct_1TestConnected';
type Json = Record<string, any>;

/** A fixture envelope re-addressed to a fresh invoice on our connected account. */
function readdress(envelope: Json, invoice: string): Json {
  const copy = structuredClone(envelope);
  copy.id = eventId();
  copy.account = ACCOUNT;
  if (copy.data?.object && typeof copy.data.object === 'object') copy.data.object.id = invoice;
  return copy;
}

/** Wraps a bare `data.object` fixture in the envelope Stripe sends with it. */
function envelope(type: string, object: Json, apiVersion: string | null, invoice: string): Json {
  return readdress(
    {
      id: 'x',
      object: 'event',
      type,
      api_version: apiVersion,
      created: 1_760_000_000,
      livemode: false,
      data: { object },
    },
    invoice,
  );
}

async function run(event: Json, invoice: string, trackFirst = true) {
  if (trackFirst) await track(invoice);
  const response = await deliver(event);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { outcome: string };
  return { outcome: body.outcome, view: await readInvoice(invoice).catch(() => null) };
}

describe('full envelopes captured in test mode (supabase/stripe-sync-engine)', () => {
  it('invoice_paid.json (2020-03-02) marks the invoice paid at its status_transitions.paid_at', async () => {
    const invoice = newInvoiceId();
    const { outcome, view } = await run(readdress(syncPaid, invoice), invoice);

    expect(outcome).toBe('applied');
    expect(view).toMatchObject({
      status: 'paid',
      paid_at: new Date(1642649110 * 1000).toISOString(),
    });
  });

  it('invoice_voided.json, edited to keep paid: true, voids by type and status, not by paid', async () => {
    const invoice = newInvoiceId();
    const { view } = await run(readdress(syncVoided, invoice), invoice);
    expect(view).toMatchObject({ status: 'void', paid_at: null });
  });

  it('invoice_finalized.json, open with a stale paid: true, does not mark the invoice paid', async () => {
    const invoice = newInvoiceId();
    const { outcome, view } = await run(readdress(syncFinalized, invoice), invoice);
    expect(outcome).toBe('noted');
    expect(view?.status).toBe('pending');
  });

  it('invoice_deleted.json (2020-08-27) voids a tracked draft', async () => {
    const invoice = newInvoiceId();
    const { view } = await run(readdress(syncDeleted, invoice), invoice);
    expect(view?.status).toBe('void');
  });

  it('invoice_updated.json is noted without a change', async () => {
    const invoice = newInvoiceId();
    const { outcome, view } = await run(readdress(syncUpdated, invoice), invoice);
    expect(outcome).toBe('noted');
    expect(view?.status).toBe('pending');
  });

  it('invoice_payment_paid.json (2023-10-16), an invoice_payment event, is recorded as ignored', async () => {
    const event = readdress(syncPaymentPaid, 'inpay_x');
    const response = await deliver(event);
    expect(await response.json()).toEqual({ received: true, outcome: 'ignored' });
  });
});

describe('events from 2012 with no status, object, api_version or account (stripe-java)', () => {
  it.each([
    ['invoice.created', 'pending', 'noted'],
    ['invoice.updated', 'pending', 'noted'],
    ['invoice.payment_succeeded', 'paid', 'applied'],
    ['invoice.payment_failed', 'payment_failed', 'applied'],
  ])('%s leaves the invoice %s', async (type, status, expectedOutcome) => {
    const source = (legacy as Json[]).find((event) => event.type === type)!;
    const invoice = newInvoiceId();
    const { outcome, view } = await run(readdress(source, invoice), invoice);

    expect(outcome).toBe(expectedOutcome);
    expect(view?.status).toBe(status);
    // With no status_transitions, Stripe's own event time stands in for the payment time.
    if (status === 'paid') expect(view?.paid_at).toBe(new Date(1326853478 * 1000).toISOString());
  });
});

describe('2025 payloads without paid or charge (pay-rails/pay)', () => {
  it('invoice.payment_failed.json sets payment_failed', async () => {
    const invoice = newInvoiceId();
    const { view } = await run(
      envelope('invoice.payment_failed', payFailed.object, '2025-03-31.basil', invoice),
      invoice,
    );
    expect(view?.status).toBe('payment_failed');
  });

  it('invoice.json, a paid invoice, is marked paid at its paid_at', async () => {
    const invoice = newInvoiceId();
    const { view } = await run(
      envelope('invoice.paid', payInvoice, '2025-03-31.basil', invoice),
      invoice,
    );
    expect(view).toMatchObject({
      status: 'paid',
      paid_at: new Date(1744986363 * 1000).toISOString(),
    });
  });

  it('invoice.payment_action_required.json is noted', async () => {
    const invoice = newInvoiceId();
    const { outcome } = await run(
      envelope(
        'invoice.payment_action_required',
        payActionRequired.object,
        '2025-03-31.basil',
        invoice,
      ),
      invoice,
    );
    expect(outcome).toBe('noted');
  });

  it('invoice.updated.json, whose object is an invoice_payment, is recorded as invalid', async () => {
    const invoice = newInvoiceId();
    const event = envelope('invoice.updated', payUpdated.object, '2025-03-31.basil', invoice);
    const { outcome, view } = await run(event, invoice);
    expect(outcome).toBe('invalid');
    expect(view?.status).toBe('pending');
  });

  it('a Connect account.updated envelope is recorded as ignored', async () => {
    const event = { ...structuredClone(payAccountUpdated), id: eventId() };
    const response = await deliver(event);
    expect(await response.json()).toEqual({ received: true, outcome: 'ignored' });
  });
});

describe('Stripe’s own example invoices in every API version we hold (stripe/openapi)', () => {
  const versions: [string, Json][] = [
    ['2020-08-27', openapi2020],
    ['2023-08-16', openapi2023],
    ['2025-11-12.clover', openapiClover],
    ['2026-07-29.dahlia', openapiDahlia],
  ];

  it.each(versions)(
    '%s: invoice.voided voids and invoice.payment_failed fails',
    async (version, object) => {
      const voided = newInvoiceId();
      const { view: voidView } = await run(
        envelope('invoice.voided', { ...object, status: 'void' }, version, voided),
        voided,
      );
      expect(voidView?.status).toBe('void');

      const failed = newInvoiceId();
      const { view: failView } = await run(
        envelope('invoice.payment_failed', { ...object, status: 'open' }, version, failed),
        failed,
      );
      expect(failView?.status).toBe('payment_failed');
    },
  );

  it.each(versions)(
    '%s: invoice.paid with the sample’s draft status is not taken as paid',
    async (version, object) => {
      const invoice = newInvoiceId();
      const { outcome, view } = await run(
        envelope('invoice.paid', object, version, invoice),
        invoice,
      );
      expect(outcome).toBe('ignored');
      expect(view?.status).toBe('pending');
    },
  );
});
