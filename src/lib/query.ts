import type { Context } from 'hono';
import type { z } from 'zod';
import { errors } from './errors.ts';
import { describeIssues } from './validate.ts';

/** Checks a request's query string against `schema`, throwing a 422 that names each problem. */
export function queryParams<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) {
    throw errors.invalidInput('Invalid query.', { issues: describeIssues(parsed.error) });
  }
  return parsed.data;
}
