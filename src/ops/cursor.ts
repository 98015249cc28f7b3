/**
 * Opaque keyset cursors for the ops lists: the sort key of the last row served, as base64url
 * JSON. Keyset (not offset) pagination stays correct while rows are added, and costs the same on
 * page 100 as on page 1. A cursor that does not decode is a 422, never a crash.
 */
import * as z from 'zod';

/** The last row's sort value (a millisecond time) and its id, which breaks ties. */
export interface CursorKey {
  at: number;
  id: string;
}

const cursorShape = z.tuple([z.number().int().nonnegative(), z.string().min(1).max(255)]);

/** Encodes a row's sort key as an opaque cursor. */
export function encodeCursor(key: CursorKey): string {
  const json = JSON.stringify([key.at, key.id]);
  return btoa(json).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** Decodes a cursor, or returns null when it is not one of ours. */
export function decodeCursor(cursor: string): CursorKey | null {
  try {
    const base64 = cursor.replaceAll('-', '+').replaceAll('_', '/');
    const parsed = cursorShape.safeParse(JSON.parse(atob(base64)));
    return parsed.success ? { at: parsed.data[0], id: parsed.data[1] } : null;
  } catch {
    return null;
  }
}

/** Page size limits shared by the ops lists. */
export const PAGE_SIZE = { default: 50, max: 200 } as const;

/** Query fields every ops list accepts. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(PAGE_SIZE.max).default(PAGE_SIZE.default),
  cursor: z
    .string()
    .max(600)
    .transform((value, ctx) => {
      const key = decodeCursor(value);
      if (key === null) {
        ctx.addIssue({ code: 'custom', message: 'is not a cursor this API returned' });
        return z.NEVER;
      }
      return key;
    })
    .optional(),
};
