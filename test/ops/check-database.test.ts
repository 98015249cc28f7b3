import { applyD1Migrations, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BUILT_MIGRATIONS, compareMigrations } from '../../src/ops/migrations.ts';
import { codes, ops } from '../helpers/ops.ts';

describe('the migrations the worker is built with', () => {
  it('are exactly the files in migrations/, in order', () => {
    // readD1Migrations (vitest.config.ts) lists migrations/*.sql the way wrangler applies them.
    expect(BUILT_MIGRATIONS).toEqual(env.TEST_MIGRATIONS.map((migration) => migration.name));
  });

  it('compare as pending when missing and unknown when extra', () => {
    expect(compareMigrations(['a.sql', 'b.sql'], ['a.sql', 'z.sql'])).toEqual({
      expected: 2,
      applied: 2,
      pending: ['b.sql'],
      unknown: ['z.sql'],
    });
  });
});

describe('GET /ops/check before and after migrations', () => {
  it('is unhealthy on a database no migration has touched, and lists what is pending', async () => {
    const res = await ops('/ops/check', { overrides: { DB: env.UNMIGRATED_DB } });

    expect(res.status).toBe(503);
    expect(res.body.database).toEqual({
      reachable: true,
      migrations: {
        expected: BUILT_MIGRATIONS.length,
        applied: 0,
        pending: [...BUILT_MIGRATIONS],
        unknown: [],
      },
    });
    expect(codes(res.body)).toContain('database.migrations_pending');
    // Without tables the figures cannot be read; that is said, not thrown.
    expect(codes(res.body)).toEqual(
      expect.arrayContaining(['invoices.unavailable', 'deliveries.unavailable']),
    );
  });

  it('is behind when only the first migration is applied', async () => {
    await applyD1Migrations(env.UNMIGRATED_DB, env.TEST_MIGRATIONS.slice(0, 1));
    const res = await ops('/ops/check', { overrides: { DB: env.UNMIGRATED_DB } });

    expect(res.status).toBe(503);
    expect(res.body.database.migrations.pending).toEqual(BUILT_MIGRATIONS.slice(1));
  });

  it('is healthy once every migration is applied', async () => {
    await applyD1Migrations(env.UNMIGRATED_DB, env.TEST_MIGRATIONS);
    const res = await ops('/ops/check', { overrides: { DB: env.UNMIGRATED_DB } });

    expect(res.status).toBe(200);
    expect(res.body.database.migrations).toMatchObject({ pending: [], unknown: [] });
    expect(codes(res.body)).not.toContain('database.migrations_pending');
  });

  it('warns when the database has a migration this build does not know', async () => {
    await env.UNMIGRATED_DB.prepare('insert into d1_migrations (name) values (?)')
      .bind('9999_from_a_newer_build.sql')
      .run();
    const res = await ops('/ops/check', { overrides: { DB: env.UNMIGRATED_DB } });

    expect(res.status).toBe(200);
    expect(res.body.database.migrations.unknown).toEqual(['9999_from_a_newer_build.sql']);
    expect(codes(res.body)).toContain('database.migrations_unknown');
  });

  it('is unhealthy when D1 does not answer', async () => {
    const broken = {
      prepare() {
        throw new Error('D1_ERROR: network connection lost');
      },
    };
    const res = await ops('/ops/check', { overrides: { DB: broken } });

    expect(res.status).toBe(503);
    expect(res.body.database).toEqual({ reachable: false, migrations: null });
    expect(codes(res.body)).toContain('database.unreachable');
  });
});
