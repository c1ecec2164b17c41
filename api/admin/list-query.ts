import type { Response } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { invalidInput } from '../../lib/errors';
import { parseOrThrow } from '../errors';
import { coded } from '../../lib/field-codes';
import { assertWellFormed } from '../well-formed';

// Lists in the shape react-admin's ra-data-simple-rest asks for:
//   GET /admin/orders?sort=["createdAt","DESC"]&range=[0,24]&filter={"status":"failed"}
// answered with the rows and `Content-Range: orders 0-24/319`. Only whitelisted columns sort,
// and each resource's filter is a strict zod schema, so an unknown filter is a 400, not ignored.
//
// At millions of rows (issue 13) two things change. A total is counted exactly only up to
// EXACT_TOTAL_UP_TO (1,000); beyond it the answer says `Content-Range: orders 0-24/*` with the planner's
// estimate in `X-Total-Estimate` (the console then pages by next/previous, react-admin's partial
// pagination). And a page after one already read is asked by the cursor its answer gave
// (`X-Next-Cursor`, sent back as `cursor=`): a keyset page (rows after the last one, by the sort
// column and the tiebreak) costs the same on page 1 and page 100,000, where an offset reads and
// throws away every row before it, so offsets stop at MAX_OFFSET.

export const MAX_PAGE = 500;
/**
 * Lists count their rows exactly up to this many, and estimate beyond. Counting is reading: a
 * filter that matches one order in six (a SKU) reads six orders per counted one, so the cap is
 * kept where that stays cheap at ten million orders (docs/BENCHMARKS.md).
 */
export const EXACT_TOTAL_UP_TO = 1_000;
/** The deepest offset a list pages to; deeper pages are asked by cursor. */
export const MAX_OFFSET = 10_000;

export interface ListParams<F> {
  /**
   * `column` is SQL from the route's own `sortable` map (never from the request): a column or an
   * expression such as `o.attention->>'step'`, valid in SELECT, WHERE and ORDER BY alike. Not an
   * output alias: the page selects it as its cursor key and compares it after a cursor.
   */
  sort: { column: string; order: 'asc' | 'desc' };
  range: { start: number; end: number };
  filter: F;
  /** Where the page starts: after the row this names (from a previous answer's X-Next-Cursor). */
  cursor?: { key: string; tiebreak: string };
}

/** A query parameter holding JSON (react-admin's sort, range and filter). */
export const jsonQueryParam = (what: string) =>
  z.string().transform((text, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', ...coded('not_json', `${what} must be JSON`) });
      return z.NEVER;
    }
    assertWellFormed(parsed, 'query'); // JSON escapes can hide a NUL from the URL's own check
    return parsed;
  });

export function parseListQuery<F extends z.ZodType>(
  query: unknown,
  opts: { sortable: Record<string, string>; defaultSort: [string, 'ASC' | 'DESC']; filter: F },
): ListParams<z.infer<F>> {
  const fields = Object.keys(opts.sortable) as [string, ...string[]];
  // One schema for all three parameters, so a bad request hears about every one of them at once.
  const schema = z
    .object({
      sort: jsonQueryParam('sort')
        .pipe(z.tuple([z.enum(fields), z.enum(['ASC', 'DESC', 'asc', 'desc'])]))
        .optional(),
      range: jsonQueryParam('range')
        .pipe(z.tuple([z.number().int().min(0), z.number().int().min(0)]))
        .refine(([start, end]) => end >= start && end - start < MAX_PAGE, coded('invalid_range', `range must be [start, end] with at most ${MAX_PAGE} rows`, { maximum: MAX_PAGE }))
        .optional(),
      filter: jsonQueryParam('filter').pipe(opts.filter).optional(),
      cursor: z
        .string()
        .max(512)
        .transform((text, ctx) => {
          const decoded = decodeCursor(text);
          if (!decoded) ctx.addIssue({ code: 'custom', ...coded('invalid_cursor', 'cursor must be the X-Next-Cursor of a previous answer') });
          return decoded ?? z.NEVER;
        })
        .optional(),
    })
    .strict();
  const q = parseOrThrow(schema, query, 'query');
  const [field, order] = q.sort ?? opts.defaultSort;
  const [start, end] = q.range ?? [0, 24];
  const filter = q.filter ?? parseOrThrow(opts.filter, {}, 'filter');
  if (!q.cursor && start > MAX_OFFSET) {
    throw invalidInput('page_too_deep', `Pages beyond row ${MAX_OFFSET} are reached with the cursor of the page before (X-Next-Cursor), or a narrower filter`, {
      maxOffset: MAX_OFFSET,
    });
  }
  return { sort: { column: opts.sortable[field], order: order.toLowerCase() as 'asc' | 'desc' }, range: { start, end }, filter, cursor: q.cursor };
}

// A cursor is the last row's sort value and tiebreak, as Postgres writes them (to_json keeps a
// timestamp's microseconds, which a JavaScript Date would lose and so skip rows), base64url'd.
const encodeCursor = (key: string, tiebreak: string) => Buffer.from(JSON.stringify([key, tiebreak])).toString('base64url');
function decodeCursor(text: string): { key: string; tiebreak: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) return { key: value[0], tiebreak: value[1] };
  } catch {
    // not a cursor: answered below
  }
  return undefined;
}

/** Counts, pages and answers a list; `query` already holds the merchant and filter conditions. */
export async function sendList<Row, Out>(
  res: Response,
  db: Knex,
  resource: string,
  query: Knex.QueryBuilder,
  params: ListParams<unknown>,
  toJson: (row: Row) => Out,
  tiebreak = 'id',
): Promise<void> {
  // One argument only: Array.map's index would reach a toJson with an optional second parameter (skuJson's components).
  await sendDescribedList(res, db, resource, query, params, async (rows: Row[]) => rows.map((row) => toJson(row)), tiebreak);
}

/** As sendList, for rows whose answer needs more queries (done once per page, not per row). */
export async function sendDescribedList<Row, Out>(
  res: Response,
  db: Knex,
  resource: string,
  query: Knex.QueryBuilder,
  params: ListParams<unknown>,
  describe: (rows: Row[]) => Promise<Out[]>,
  tiebreak = 'id',
): Promise<void> {
  const size = params.range.end - params.range.start + 1;
  const page = pageQuery(db, query, params, tiebreak);
  const [total, fetched] = await Promise.all([countOrEstimate(db, query), page as Promise<(Row & { list_sort_key: string | null; list_tiebreak_key: string })[]>]);
  const rows = fetched.slice(0, size);
  const last = rows.length ? params.range.start + rows.length - 1 : params.range.start;
  const lastRow = rows.at(-1);
  if (fetched.length > size && lastRow?.list_sort_key != null) res.set('X-Next-Cursor', encodeCursor(lastRow.list_sort_key, lastRow.list_tiebreak_key));
  if (total.exact) {
    res.set('Content-Range', `${resource} ${params.range.start}-${last}/${total.count}`);
  } else {
    res.set('Content-Range', `${resource} ${params.range.start}-${last}/*`);
    res.set('X-Total-Estimate', String(total.count));
  }
  res.json(await describe(rows));
}

/** The page's rows (and one more, to tell whether a next page exists), in the list's order. */
export function pageQuery(db: Knex, query: Knex.QueryBuilder, params: ListParams<unknown>, tiebreak = 'id'): Knex.QueryBuilder {
  const size = params.range.end - params.range.start + 1;
  const page = query
    .clone()
    .select(db.raw(`to_json(${params.sort.column}) #>> '{}' AS list_sort_key`), db.raw(`${tiebreak}::text AS list_tiebreak_key`))
    .orderByRaw(`${params.sort.column} ${params.sort.order}, ${tiebreak} ${params.sort.order}`)
    .limit(size + 1); // one more than the page: whether a next page exists
  if (params.cursor) {
    // Rows after the cursor's in the list's order; Postgres casts the text to each column's type.
    page.whereRaw(`(${params.sort.column}, ${tiebreak}) ${params.sort.order === 'desc' ? '<' : '>'} (?, ?)`, [params.cursor.key, params.cursor.tiebreak]);
  } else if (params.range.start > 0) {
    // An offset page is found first by its rows' ids alone, then only those rows are read in
    // full. Postgres computes a row's select list before the offset throws the row away, so
    // `OFFSET 9975` on the full query would run every per-row subquery (items, webhook, manual
    // task) ten thousand times; on the ids alone it walks the sort's index.
    const ids = query
      .clone()
      .clearSelect()
      .select(db.raw(tiebreak))
      .orderByRaw(`${params.sort.column} ${params.sort.order}, ${tiebreak} ${params.sort.order}`)
      .offset(params.range.start)
      .limit(size + 1);
    page.whereIn(db.raw(tiebreak) as unknown as string, ids);
  }
  return page;
}

/** The rows a list query matches: exact up to EXACT_TOTAL_UP_TO, else the planner's estimate (never below it). */
export async function countOrEstimate(db: Knex, query: Knex.QueryBuilder): Promise<{ count: number; exact: boolean }> {
  const listed = query.clone().clearOrder();
  const [{ total }] = await db
    .from(
      listed
        .clone()
        .limit(EXACT_TOTAL_UP_TO + 1)
        .as('listed'),
    )
    .count<{ total: number }[]>('* as total');
  if (Number(total) <= EXACT_TOTAL_UP_TO) return { count: Number(total), exact: true };
  const { sql, bindings } = listed.toSQL();
  const { rows } = await db.raw(`EXPLAIN (FORMAT JSON) ${sql}`, bindings as Knex.RawBinding[]);
  const estimate = Math.round(Number(rows[0]['QUERY PLAN'][0].Plan['Plan Rows']));
  return { count: Math.max(estimate, EXACT_TOTAL_UP_TO + 1), exact: false };
}

/** `filter.id` from react-admin's getMany: one id or a list of them. */
export const IdList = z.union([z.string(), z.array(z.string()).max(MAX_PAGE)]).transform((v) => (Array.isArray(v) ? v : [v]));

export const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** For LIKE patterns: the user's %, _ and \\ match themselves. */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Answers with rows already paged (by pageInMemory, say), as sendList does for a query. */
export function sendRows(res: Response, resource: string, rows: unknown[], total: number, params: ListParams<unknown>): void {
  const last = rows.length ? params.range.start + rows.length - 1 : params.range.start;
  res.set('Content-Range', `${resource} ${params.range.start}-${last}/${total}`);
  res.json(rows);
}

/** Sorts and pages a list held in memory (a merchant's risk rules are a few dozen at most). */
export function pageInMemory<T extends Record<string, unknown>>(rows: T[], params: ListParams<unknown>): T[] {
  const dir = params.sort.order === 'asc' ? 1 : -1;
  const key = (r: T) => r[params.sort.column] as string | number | boolean | null;
  return [...rows]
    .sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -dir : dir;
    })
    .slice(params.range.start, params.range.end + 1);
}

/** Scripts ask for whole lists (`GET /admin/alerts?open=true`); react-admin sends a range. */
export function wholeListUnlessRanged(query: Record<string, unknown>) {
  return query.range === undefined ? { ...query, range: '[0,499]' } : query;
}
