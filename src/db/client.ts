import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';
import * as schema from './schema.ts';

export type Database = DrizzleD1Database<typeof schema>;

// Building a Drizzle handle walks the whole schema; the binding object is stable for the life of
// an isolate, so each one gets its handle once. A WeakMap lets a replaced binding be collected.
const handles = new WeakMap<D1Database, Database>();

/** The Drizzle handle on a D1 binding, built once per binding per isolate. */
export function database(d1: D1Database): Database {
  let handle = handles.get(d1);
  if (!handle) {
    handle = drizzle(d1, { schema });
    handles.set(d1, handle);
  }
  return handle;
}
