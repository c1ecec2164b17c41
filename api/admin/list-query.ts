import type { Response } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { parseOrThrow } from '../errors';
import { assertWellFormed } from '../well-formed';

// Lists in the shape react-admin's ra-data-simple-rest asks for:
//   GET /admin/orders?sort=["createdAt","DESC"]&range=[0,24]&filter={"status":"failed"}
// answered with the rows and `Content-Range: orders 0-24/319`. Only whitelisted columns sort,
// and each resource's filter is a strict zod schema, so an unknown filter is a 400, not ignored.

export const MAX_PAGE = 500;

export interface ListParams<F> {
  sort: { column: string; order: 'asc' | 'desc' };
  range: { start: number; end: number };
  filter: F;
}

/** A query parameter holding JSON (react-admin's sort, range and filter). */
export const jsonQueryParam = (what: string) =>
  z.string().transform((text, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${what} must be JSON` });
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
        .refine(([start, end]) => end >= start && end - start < MAX_PAGE, { message: `range must be [start, end] with at most ${MAX_PAGE} rows` })
        .optional(),
      filter: jsonQueryParam('filter').pipe(opts.filter).optional(),
    })
    .strict();
  const q = parseOrThrow(schema, query, 'query');
  const [field, order] = q.sort ?? opts.defaultSort;
  const [start, end] = q.range ?? [0, 24];
  const filter = q.filter ?? parseOrThrow(opts.filter, {}, 'filter');
  return { sort: { column: opts.sortable[field], order: order.toLowerCase() as 'asc' | 'desc' }, range: { start, end }, filter };
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
  await sendDescribedList(res, db, resource, query, params, async (rows: Row[]) => rows.map(toJson), tiebreak);
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
  const countQuery = db.from(query.clone().clearOrder().as('listed')).count<{ total: number }[]>('* as total');
  const [[{ total }], rows] = await Promise.all([
    countQuery,
    query
      .orderBy(params.sort.column, params.sort.order)
      .orderBy(tiebreak, params.sort.order)
      .offset(params.range.start)
      .limit(params.range.end - params.range.start + 1) as Promise<Row[]>,
  ]);
  const last = rows.length ? params.range.start + rows.length - 1 : params.range.start;
  res.set('Content-Range', `${resource} ${params.range.start}-${last}/${Number(total)}`);
  res.json(await describe(rows));
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
