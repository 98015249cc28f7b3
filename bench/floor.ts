/**
 * The floor: the least work a webhook needs, with no HTTP, no framework and no D1 in between.
 *
 * One HMAC-SHA256 signature check with SubtleCrypto over a payload of the bench's own size
 * (importing the key each time, as the Stripe SDK's SubtleCrypto provider does), and one
 * single-row guarded update on a local SQLite file with the worker's schema (node:sqlite, WAL).
 * Each is timed in a tight loop, in CPU time (like workerd's figure) and wall time (the update's
 * wall time is mostly the disk's); the bench divides the worker's CPU per event by their CPU sum.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Microseconds per operation: CPU (user + system, what the bench compares) and wall clock. */
export interface Timing {
  cpuUs: number;
  wallUs: number;
}

export interface Floor {
  iterations: number;
  hmac: Timing;
  update: Timing;
  /** CPU microseconds of one HMAC check plus one update. */
  totalUs: number;
}

/** Runs `loop` once and divides its CPU and wall time by `iterations`. */
async function timed(iterations: number, loop: () => Promise<void> | void): Promise<Timing> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await loop();
  const wallUs = ((performance.now() - started) * 1000) / iterations;
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / iterations, wallUs };
}

const encoder = new TextEncoder();

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('');

/** Time per HMAC check of `payload` against a `t=...,v1=...` header. */
async function timeHmac(payload: string, iterations: number): Promise<Timing> {
  const secret = 'whsec_floor_only_for_local_runs';
  const timestamp = Math.floor(Date.now() / 1000);
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const expected = hex(
    await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestamp}.${payload}`)),
  );
  const header = `t=${timestamp},v1=${expected}`;

  let matched = 0;
  const timing = await timed(iterations, async () => {
    for (let i = 0; i < iterations; i += 1) {
      const parts = header.split(',');
      const t = parts[0]?.slice(2) ?? '';
      const v1 = parts[1]?.slice(3) ?? '';
      const k = await crypto.subtle.importKey(
        'raw',
        encoder.encode(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      const signature = hex(await crypto.subtle.sign('HMAC', k, encoder.encode(`${t}.${payload}`)));
      if (signature === v1) matched += 1;
    }
  });
  if (matched !== iterations) throw new Error('floor HMAC did not match');
  return timing;
}

/** Time per guarded single-row update, each one winning (keys rise). */
async function timeUpdate(iterations: number): Promise<Timing> {
  const dir = mkdtempSync(join(tmpdir(), 'invoice-floor-'));
  const db = new DatabaseSync(join(dir, 'floor.sqlite'));
  try {
    db.exec('pragma journal_mode = wal');
    const schema = readFileSync(
      resolve(import.meta.dirname, '../migrations/0000_init.sql'),
      'utf8',
    );
    for (const statement of schema.split('--> statement-breakpoint')) db.exec(statement);

    db.prepare(
      `insert into invoices (stripe_invoice_id, stripe_account_id, status, state_key, created_at,
        updated_at) values ('in_floor', 'acct_floor', 'pending', '0', 0, 0)`,
    ).run();

    const update = db.prepare(
      `update invoices set status = ?, paid_at = ?, state_key = ?, status_event_id = ?,
        updated_at = ? where stripe_invoice_id = ? and stripe_account_id = ? and state_key < ?`,
    );

    return await timed(iterations, () => {
      for (let i = 0; i < iterations; i += 1) {
        const key = `1:${String(1_800_000_000 + i).padStart(12, '0')}:1:evt_floor`;
        const result = update.run(
          'payment_failed',
          null,
          key,
          `evt_${i}`,
          i,
          'in_floor',
          'acct_floor',
          key,
        );
        if (result.changes !== 1) throw new Error('floor update did not write');
      }
    });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Times the floor for `payload`, after a short warm-up of each part. */
export async function measureFloor(payload: string, iterations: number): Promise<Floor> {
  await timeHmac(payload, Math.min(200, iterations));
  await timeUpdate(Math.min(200, iterations));

  const hmac = await timeHmac(payload, iterations);
  const update = await timeUpdate(iterations);
  return { iterations, hmac, update, totalUs: hmac.cpuUs + update.cpuUs };
}
