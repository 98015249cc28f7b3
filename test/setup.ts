import { applyD1Migrations, env } from 'cloudflare:test';

// Applies the same SQL migrations `wrangler d1 migrations apply` runs; already-applied ones are
// skipped, so every test file starts from the current schema.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
