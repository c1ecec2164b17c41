// A row a test has just made, or is sure exists, and goes on to use. Typed knex answers
// `Row | undefined` from `.first()` (db/tables.ts); this says the row must be there, and fails
// with its name rather than with an undefined binding somewhere further on.
export function found<T>(row: T, what: string): Exclude<T, undefined> {
  if (row === undefined) throw new Error(`${what} not found`);
  return row as Exclude<T, undefined>;
}
