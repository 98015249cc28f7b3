import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError, errors } from './errors.ts';

/** Each problem Zod found, as `{ path, message }`, for a 422 body. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.join('.') || '(body)',
    message: issue.message,
  }));
}

/** Reads a JSON body and checks it against `schema`, throwing a 422 that names each problem. */
export async function jsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new AppError(415, 'unsupported_media_type', 'Send the body as application/json.');
  }

  let value: unknown;
  try {
    value = await c.req.json();
  } catch {
    throw errors.invalidInput('Body must be JSON.');
  }

  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw errors.invalidInput('Invalid request body.', { issues: describeIssues(parsed.error) });
  }
  return parsed.data;
}
