/**
 * Whether D1 is reachable and carries every migration this build of the worker expects.
 *
 * The expected list is drizzle-kit's journal (migrations/meta/_journal.json), bundled into the
 * worker at build time; `npm run db:generate` keeps it in step with migrations/*.sql, and
 * test/ops/migrations.test.ts fails if the two ever disagree. What is applied is the
 * `d1_migrations` table that `wrangler d1 migrations apply` (and the tests' `applyD1Migrations`)
 * maintain, named by file (`0000_init.sql`).
 */
import journal from '../../migrations/meta/_journal.json';
import { finding, type Finding } from './findings.ts';

/** The migration files this build expects to be applied, in order. */
export const BUILT_MIGRATIONS: readonly string[] = journal.entries.map(
  (entry) => `${entry.tag}.sql`,
);

export interface MigrationStatus {
  expected: number;
  applied: number;
  /** Expected by this build, not applied: the database is behind. */
  pending: string[];
  /** Applied, not known to this build: the database is ahead of this deployment. */
  unknown: string[];
}

export interface DatabaseReport {
  reachable: boolean;
  migrations: MigrationStatus | null;
}

/** Compares what is applied with what is expected. */
export function compareMigrations(
  expected: readonly string[],
  applied: readonly string[],
): MigrationStatus {
  const appliedSet = new Set(applied);
  const expectedSet = new Set(expected);
  return {
    expected: expected.length,
    applied: applied.length,
    pending: expected.filter((name) => !appliedSet.has(name)),
    unknown: applied.filter((name) => !expectedSet.has(name)),
  };
}

async function appliedMigrations(d1: D1Database): Promise<string[]> {
  // Asking sqlite_master first tells "never migrated" apart from "unreachable".
  const table = await d1
    .prepare(`select count(*) as n from sqlite_master where type = 'table' and name = ?`)
    .bind('d1_migrations')
    .first<{ n: number }>();
  if (!table || table.n === 0) return [];

  const rows = await d1
    .prepare('select name from d1_migrations order by id')
    .all<{ name: string }>();
  return rows.results.map((row) => row.name);
}

/** Reachability and migration state of `d1`, with findings for anything that is wrong. */
export async function checkDatabase(
  d1: D1Database,
  expected: readonly string[] = BUILT_MIGRATIONS,
): Promise<{ report: DatabaseReport; findings: Finding[] }> {
  let applied: string[];
  try {
    applied = await appliedMigrations(d1);
  } catch (err) {
    return {
      report: { reachable: false, migrations: null },
      findings: [
        finding('error', 'database.unreachable', 'D1 did not answer.', {
          error: err instanceof Error ? err.message : 'unknown',
        }),
      ],
    };
  }

  const status = compareMigrations(expected, applied);
  const findings: Finding[] = [];

  if (status.pending.length > 0) {
    findings.push(
      finding(
        'error',
        'database.migrations_pending',
        `${status.pending.length} migration(s) not applied; ` +
          'run `wrangler d1 migrations apply DB`.',
        { pending: status.pending },
      ),
    );
  }
  if (status.unknown.length > 0) {
    findings.push(
      finding(
        'warning',
        'database.migrations_unknown',
        'The database has migrations this deployment does not know; is an older build running?',
        { unknown: status.unknown },
      ),
    );
  }

  return { report: { reachable: true, migrations: status }, findings };
}
