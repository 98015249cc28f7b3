import { defineConfig } from 'drizzle-kit';

// Generates SQL migrations from src/db/schema.ts into migrations/, in the flat layout that
// `wrangler d1 migrations apply` reads.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './migrations',
  migrations: { prefix: 'index' },
});
