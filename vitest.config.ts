import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Tests run inside workerd with the worker's real bindings from wrangler.toml: D1 is Miniflare's
// local SQLite, migrated from migrations/ in test/setup.ts. Secrets are test-only values.
export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations');

  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            STRIPE_WEBHOOK_SECRET: 'whsec_test_platform_current, whsec_test_platform_previous',
            STRIPE_CONNECT_WEBHOOK_SECRET: ' whsec_test_connect_current ',
            STRIPE_SECRET_KEY: 'sk_test_worker_key_for_tests',
            API_TOKEN: 'test-api-token',
            OPS_TOKEN: 'test-ops-token',
          },
        },
      }),
    ],
    test: {
      include: ['test/**/*.test.ts'],
      setupFiles: ['./test/setup.ts'],
    },
  };
});
