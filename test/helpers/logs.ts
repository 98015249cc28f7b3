import { afterEach, beforeEach, vi } from 'vitest';

/**
 * Captures every console line the worker writes during a test, so tests can check what the logs
 * say and that they never carry a secret or a payload.
 */
export function captureLogs(): { lines: string[] } {
  const captured = { lines: [] as string[] };

  beforeEach(() => {
    captured.lines = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        captured.lines.push(args.map(String).join(' '));
      });
    }
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  return captured;
}

/** Parses the captured JSON lines that have `msg`. */
export function entries(lines: string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return typeof parsed.msg === 'string' ? [parsed] : [];
    } catch {
      return [];
    }
  });
}
