import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { createServer } from 'node:net';
import { defineConfig } from 'vitest/config';

/** A free loopback port for the Stripe stand-in (test/stand-in/server.ts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

// Tests run inside workerd with the worker's real bindings from wrangler.toml: D1 is Miniflare's
// local SQLite, migrated from migrations/ in test/setup.ts. Secrets are test-only values.
export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations');

  // The stand-in listens only on loopback; the port reaches its global setup through the env.
  process.env.STRIPE_STAND_IN_PORT ??= String(await freePort());
  const standInBase = `http://127.0.0.1:${process.env.STRIPE_STAND_IN_PORT}`;

  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          // Extra databases for single tests: DB_FAULTS is broken on purpose by the D1-failure
          // test, UNMIGRATED_DB stays unmigrated for the ops check's "before migrations" test.
          d1Databases: { DB_FAULTS: 'fault-injection', UNMIGRATED_DB: 'unmigrated-test-db' },
          bindings: {
            TEST_MIGRATIONS: migrations,
            STRIPE_WEBHOOK_SECRET: 'whsec_test_platform_current, whsec_test_platform_previous',
            STRIPE_CONNECT_WEBHOOK_SECRET: ' whsec_test_connect_current ',
            STRIPE_SECRET_KEY: 'sk_test_worker_key_for_tests',
            API_TOKEN: 'test-api-token',
            OPS_TOKEN: 'test-ops-token',
            STRIPE_API_BASE: standInBase,
            // Every [vars] value, set explicitly so a developer's .dev.vars can never change what
            // the tests see (the plugin reads .dev.vars too). Keep in step with wrangler.toml.
            STRIPE_WEBHOOK_TOLERANCE_SECONDS: '300',
            STRIPE_LIVEMODE: '',
            RECONCILE_STALE_AFTER_MINUTES: '60',
            RECONCILE_BATCH_SIZE: '20',
            OPS_STALE_PENDING_MINUTES: '1440',
            OPS_SILENCE_MINUTES: '360',
          },
        },
      }),
    ],
    test: {
      include: ['test/**/*.test.ts'],
      // The worker logs a JSON line per request; show them only for tests that fail.
      silent: 'passed-only' as const,
      // Cases per property test (test/properties); 0 keeps each test's small CI default.
      provide: { fcRuns: Number(process.env.FC_RUNS ?? 0) || 0 },
      setupFiles: ['./test/setup.ts'],
      globalSetup: ['./test/stand-in/global-setup.ts'],
    },
  };
});
