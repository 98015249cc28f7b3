import { describe, expect, it } from 'vitest';
import { ops } from '../helpers/ops.ts';
import { call } from '../helpers/worker.ts';

const ROUTES = [
  '/ops/check',
  '/ops/check?stripe=1',
  '/ops/invoices',
  '/ops/invoices/in_test123',
  '/ops/invoices/in_test123?live=1',
  '/ops/events',
];

describe('every ops route', () => {
  it.each(ROUTES)('answers 401 to %s without a token', async (path) => {
    const res = await ops(path, { token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body.error.code).toBe('unauthorized');
  });

  it.each(ROUTES)('answers 401 to %s with the API token instead', async (path) => {
    const res = await ops(path, { token: 'test-api-token' });
    expect(res.status).toBe(401);
  });

  it.each(ROUTES)('answers 503 to %s when OPS_TOKEN is not configured', async (path) => {
    const res = await ops(path, { token: 'anything', overrides: { OPS_TOKEN: '' } });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('not_configured');
  });

  it.each(['/ops/check', '/ops/invoices', '/ops/events'])(
    'answers %s with the token',
    async (path) => {
      const res = await ops(path);
      expect([200, 503]).toContain(res.status);
      expect(res.headers.get('content-type')).toContain('application/json');
    },
  );
});

describe('another method on an ops route', () => {
  it.each([
    ['POST', '/ops/check', 'GET'],
    ['DELETE', '/ops/invoices', 'GET'],
    ['PUT', '/ops/invoices/in_test123', 'GET'],
    ['POST', '/ops/events', 'GET'],
    ['GET', '/ops/reconcile', 'POST'],
  ])('%s %s answers 405 with Allow: %s, after the token check', async (method, path, allow) => {
    const withToken = await call(
      new Request(`https://worker.test${path}`, {
        method,
        headers: { authorization: 'Bearer test-ops-token' },
      }),
    );
    expect(withToken.status).toBe(405);
    expect(withToken.headers.get('allow')).toBe(allow);

    const without = await call(new Request(`https://worker.test${path}`, { method }));
    expect(without.status).toBe(401);
  });
});
