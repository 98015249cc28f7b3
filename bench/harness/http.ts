/**
 * A bounded request pool: sends prepared requests to the local worker with a fixed concurrency and
 * records each answer's status, latency and body. Stops at the end of the list or the deadline.
 */

export interface Prepared {
  path: string;
  method?: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Answer {
  index: number;
  status: number;
  ms: number;
  body: string;
}

export interface PoolResult {
  answers: Answer[];
  /** Requests not sent because the deadline passed. */
  skipped: number;
  wallMs: number;
}

/** Only loopback targets: this harness must never send traffic anywhere else. */
export function assertLoopback(base: string): void {
  const host = new URL(base).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    throw new Error(`refusing to send requests to ${host}: loopback only`);
  }
}

/** Sends `requests` to `base` with `concurrency` in flight, until done or `deadlineMs` passes. */
export async function runPool(
  base: string,
  requests: Prepared[],
  concurrency: number,
  deadlineMs: number,
  keepBody: (answer: Answer) => boolean = () => true,
): Promise<PoolResult> {
  assertLoopback(base);
  const answers: Answer[] = [];
  const started = performance.now();
  let next = 0;
  let skipped = 0;

  const lane = async () => {
    while (next < requests.length) {
      const index = next;
      next += 1;
      if (performance.now() - started > deadlineMs) {
        skipped += 1;
        continue;
      }

      const request = requests[index] as Prepared;
      const sent = performance.now();
      let status = 0;
      let body = '';
      try {
        const res = await fetch(`${base}${request.path}`, {
          method: request.method ?? 'POST',
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.timeout(30_000),
        });
        status = res.status;
        body = await res.text();
      } catch (err) {
        body = err instanceof Error ? err.message : 'request failed';
      }
      const answer = { index, status, ms: performance.now() - sent, body };
      if (!keepBody(answer)) answer.body = '';
      answers.push(answer);
    }
  };

  await Promise.all(Array.from({ length: concurrency }, lane));
  return { answers, skipped, wallMs: performance.now() - started };
}

/** The `q` quantile (0..1) of `values`, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Answers counted by status code, e.g. `{ "200": 1990, "0": 10 }` (0: no answer). */
export function byStatus(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
}

/** A plain-text table of label/value rows. */
export function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
