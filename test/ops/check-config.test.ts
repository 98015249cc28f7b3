import { describe, expect, it } from 'vitest';
import { captureLogs, entries } from '../helpers/logs.ts';
import { codes, ops, secretValues } from '../helpers/ops.ts';

describe('GET /ops/check on a fresh, fully configured worker', () => {
  it('is healthy and says what is configured without any value', async () => {
    const res = await ops('/ops/check');

    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.healthy).toBe(true);
    expect(res.body.config).toMatchObject({
      STRIPE_WEBHOOK_SECRET: { set: true, count: 2 },
      STRIPE_CONNECT_WEBHOOK_SECRET: { set: true, count: 1 },
      STRIPE_SECRET_KEY: { set: true },
      API_TOKEN: { set: true },
      OPS_TOKEN: { set: true },
      expected_livemode: false,
      tolerance_seconds: 300,
    });
    expect(res.body.database).toMatchObject({ reachable: true, migrations: { pending: [] } });
    expect(res.body.invoices.by_status).toMatchObject({ pending: 0, paid: 0 });
    expect(res.body.deliveries.last_event).toBeNull();
    expect(res.body.reconcile).toEqual({ last_run: null });
    expect(res.body.stripe).toBeNull();
  });

  it('reports the test setup’s space-padded Connect secret as whitespace, not as unhealthy', async () => {
    const res = await ops('/ops/check');

    const found = res.body.findings.find((f: any) => f.code === 'config.secret_whitespace');
    expect(found).toMatchObject({
      severity: 'warning',
      details: { variable: 'STRIPE_CONNECT_WEBHOOK_SECRET' },
    });
    expect(res.status).toBe(200);
  });
});

describe('GET /ops/check with a damaged configuration', () => {
  it('is unhealthy when a webhook secret is missing, and names it', async () => {
    const res = await ops('/ops/check', { overrides: { STRIPE_CONNECT_WEBHOOK_SECRET: '' } });

    expect(res.status).toBe(503);
    expect(res.body.healthy).toBe(false);
    expect(res.body.findings).toContainEqual({
      code: 'config.secret_missing',
      severity: 'error',
      message: 'STRIPE_CONNECT_WEBHOOK_SECRET is not set.',
      details: { variable: 'STRIPE_CONNECT_WEBHOOK_SECRET' },
    });
    expect(res.body.config.STRIPE_CONNECT_WEBHOOK_SECRET).toEqual({ set: false, count: 0 });
  });

  it('reports a secret with a trailing newline or inner space by position', async () => {
    const res = await ops('/ops/check', {
      overrides: {
        STRIPE_WEBHOOK_SECRET: 'whsec_new_secret_value\n',
        STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_current_connect, whsec_old connect',
      },
    });

    const whitespace = res.body.findings.filter((f: any) => f.code === 'config.secret_whitespace');
    expect(whitespace.map((f: any) => f.details)).toEqual([
      { variable: 'STRIPE_WEBHOOK_SECRET' },
      { variable: 'STRIPE_CONNECT_WEBHOOK_SECRET', position: 1 },
    ]);
    expect(res.status).toBe(200);
  });

  it('reports a secret that is not a whsec_ signing secret', async () => {
    const res = await ops('/ops/check', {
      overrides: { STRIPE_WEBHOOK_SECRET: 'sk_test_pasted_the_wrong_thing' },
    });

    expect(res.body.findings).toContainEqual(
      expect.objectContaining({
        code: 'config.secret_malformed',
        details: { variable: 'STRIPE_WEBHOOK_SECRET', position: 0 },
      }),
    );
  });

  it('reports a missing Stripe key and API token as warnings', async () => {
    const res = await ops('/ops/check', { overrides: { STRIPE_SECRET_KEY: '', API_TOKEN: '' } });

    expect(codes(res.body)).toEqual(
      expect.arrayContaining(['config.stripe_key_missing', 'config.api_token_missing']),
    );
    expect(res.body.config.expected_livemode).toBeNull();
    expect(res.status).toBe(200);
  });

  it('answers 422 to an unknown query parameter', async () => {
    const res = await ops('/ops/check?strip=1');
    expect(res.status).toBe(422);
  });
});

describe('the ops.check log line', () => {
  const logs = captureLogs();

  it('names the failing codes and carries no secret', async () => {
    await ops('/ops/check', { overrides: { STRIPE_WEBHOOK_SECRET: '' } });

    expect(entries(logs.lines)).toContainEqual({
      level: 'warn',
      msg: 'ops.check',
      healthy: false,
      stripe: false,
      errors: ['config.secret_missing'],
    });
    for (const secret of secretValues()) expect(logs.lines.join('\n')).not.toContain(secret);
  });
});
