import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor, formatReport } from '../../scripts/check-report.ts';

const report = {
  healthy: false,
  checked_at: '2026-12-04T16:00:00.000Z',
  findings: [
    {
      code: 'invoices.stale_while_silent',
      severity: 'error',
      message: '2 invoice(s) pending over 1440 min and no event for ever: are webhooks arriving?',
    },
    {
      code: 'config.secret_whitespace',
      severity: 'warning',
      message: 'STRIPE_WEBHOOK_SECRET has whitespace around its value.',
    },
  ],
  config: {
    STRIPE_WEBHOOK_SECRET: { set: true, count: 2 },
    STRIPE_CONNECT_WEBHOOK_SECRET: { set: true, count: 1 },
    STRIPE_SECRET_KEY: { set: false },
    API_TOKEN: { set: true },
    OPS_TOKEN: { set: true },
    expected_livemode: false,
    tolerance_seconds: 300,
  },
  database: { reachable: true, migrations: { expected: 2, applied: 2, pending: [], unknown: [] } },
  invoices: {
    by_status: { pending: 2, paid: 5 },
    stale_pending: {
      threshold_minutes: 1440,
      count: 3,
      oldest_age_minutes: 4320,
      oldest: [
        {
          stripe_invoice_id: 'in_1',
          stripe_account_id: 'acct_1',
          tracked_at: '2026-12-01T16:00:00.000Z',
          age_minutes: 4320,
        },
        {
          stripe_invoice_id: 'in_2',
          stripe_account_id: 'acct_1',
          tracked_at: '2026-12-02T16:00:00.000Z',
          age_minutes: 2880,
        },
      ],
    },
  },
  deliveries: {
    last_event: null,
    last_hour: { by_outcome: {}, verified: 0, signature_failures: 1, rejected_by_reason: {} },
    last_day: {
      by_outcome: { applied: 4 },
      verified: 4,
      signature_failures: 1,
      rejected_by_reason: {},
    },
    secrets: [
      { secret: 'platform:0', role: 'current', configured: true, events_last_day: 4 },
      { secret: 'platform:1', role: 'previous', configured: true, events_last_day: 0 },
    ],
  },
  reconcile: { last_run: null },
  stripe: null,
};

describe('the npm run check summary', () => {
  it('prints the verdict, a line per finding, the counts and the stale invoices', () => {
    expect(formatReport(report, 'http://127.0.0.1:8787')).toEqual([
      'UNHEALTHY  http://127.0.0.1:8787  (checked 2026-12-04T16:00:00.000Z)',
      'Findings:',
      '  x error   invoices.stale_while_silent: 2 invoice(s) pending over 1440 min and no event for ever: are webhooks arriving?',
      '  ! warning config.secret_whitespace: STRIPE_WEBHOOK_SECRET has whitespace around its value.',
      'Configuration: STRIPE_WEBHOOK_SECRET set (2), STRIPE_CONNECT_WEBHOOK_SECRET set (1), STRIPE_SECRET_KEY NOT SET, API_TOKEN set; test mode, tolerance 300 s',
      'Database: reachable, 2/2 migrations applied',
      'Invoices: pending 2, paid 5',
      '  Stale pending (over 24 h): 3, oldest 3 d',
      '    in_1  acct_1  tracked 2026-12-01T16:00:00.000Z (3 d)',
      '    in_2  acct_1  tracked 2026-12-02T16:00:00.000Z (2 d)',
      '    ... and 1 more',
      'Deliveries: no verified event recorded yet',
      '  last hour: 0 verified events (none), 1 signature failure',
      '  last day : 4 verified events (applied 4), 1 signature failure',
      '  Secrets matched (last day): platform:0 (current) 4, platform:1 (previous) 0',
      'Reconcile: no run recorded',
    ]);
  });

  it('copes with a database the worker could not read', () => {
    const lines = formatReport(
      {
        healthy: false,
        findings: [],
        database: { reachable: false },
        invoices: null,
        deliveries: null,
      },
      'http://x',
    );
    expect(lines).toContain('Database: UNREACHABLE');
    expect(lines).toContain('Invoices: unavailable');
  });

  it('exits 0 when healthy, 1 when unhealthy, 2 when the check could not be made', () => {
    expect(exitCodeFor(200, { healthy: true })).toBe(EXIT.healthy);
    expect(exitCodeFor(503, { healthy: false })).toBe(EXIT.unhealthy);
    expect(exitCodeFor(401, { error: { code: 'unauthorized' } })).toBe(EXIT.failed);
    expect(exitCodeFor(503, { error: { code: 'not_configured' } })).toBe(EXIT.failed);
    expect(exitCodeFor(502, null)).toBe(EXIT.failed);
  });
});
