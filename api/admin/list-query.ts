import type { Response } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { invalidInput } from '../../lib/errors';
import { parseOrThrow } from '../errors';

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

const Json = (what: string) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `${what} must be JSON` });
      return z.NEVER;
    }
  });

const Query = z
  .object({
    sort: Json('sort').pipe(z.tuple([z.string(), z.enum(['ASC', 'DESC', 'asc', 'desc'])])).optional(),
    range: Json('range').pipe(z.tuple([z.number().int().min(0), z.number().int().min(0)])).optional(),
    filter: Json('filter').pipe(z.record(z.string(), z.unknown())).optional(),
  })
  .strict();

export function parseListQuery<F extends z.ZodType>(
  query: unknown,
  opts: { sortable: Record<string, string>; defaultSort: [string, 'ASC' | 'DESC']; filter: F },
): ListParams<z.infer<F>> {
  const q = parseOrThrow(Query, query, 'query');
  const [field, order] = q.sort ?? opts.defaultSort;
  const column = opts.sortable[field];
  if (!column) {
    throw invalidInput('validation_failed', `Cannot sort by "${field}"`, { fields: [{ path: 'sort', message: `sortable: ${Object.keys(opts.sortable).join(', ')}` }] });
  }
  const [start, end] = q.range ?? [0, 24];
  if (end < start || end - start >= MAX_PAGE) {
    throw invalidInput('validation_failed', `range must be [start, end] with at most ${MAX_PAGE} rows`, { fields: [{ path: 'range', message: `at most ${MAX_PAGE} rows` }] });
  }
  const filter = parseOrThrow(opts.filter, q.filter ?? {}, 'filter');
  return { sort: { column, order: order.toLowerCase() as 'asc' | 'desc' }, range: { start, end }, filter };
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
