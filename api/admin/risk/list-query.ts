import type { Response } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '../../errors';

// List requests the way react-admin's ra-data-simple-rest sends them:
//   ?sort=["deadlineAt","ASC"]&range=[0,24]&filter={"status":"open"}   (each a JSON string)
// and the answer it expects: a JSON array with `Content-Range: <resource> 0-24/319`.

export interface ListQuery<F> {
  sort: { field: string; order: 'asc' | 'desc' };
  offset: number;
  limit: number;
  filter: F;
}

const MAX_PAGE = 1000;

const json = (what: string) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `${what} must be JSON` });
      return z.NEVER;
    }
  });

export function parseListQuery<F extends z.ZodType>(
  query: unknown,
  opts: { sortable: readonly [string, ...string[]]; defaultSort: [string, 'ASC' | 'DESC']; filter: F },
): ListQuery<z.infer<F>> {
  const schema = z
    .object({
      sort: json('sort').pipe(z.tuple([z.enum(opts.sortable), z.enum(['ASC', 'DESC', 'asc', 'desc'])])).optional(),
      range: json('range')
        .pipe(z.tuple([z.number().int().min(0), z.number().int().min(0)]))
        .refine(([a, b]) => b >= a && b - a < MAX_PAGE, { message: `range must be [first, last] with at most ${MAX_PAGE} rows` })
        .optional(),
      filter: json('filter').pipe(opts.filter).optional(),
    })
    .strict();
  const q = parseOrThrow(schema, query, 'query');
  const [field, order] = q.sort ?? opts.defaultSort;
  const [first, last] = q.range ?? [0, 24];
  return { sort: { field, order: order.toLowerCase() as 'asc' | 'desc' }, offset: first, limit: last - first + 1, filter: (q.filter ?? {}) as z.infer<F> };
}

/** `filter={"id":[...]}` is how react-admin fetches several records at once (getMany). */
export const idsFilter = z.union([z.string(), z.array(z.string()).max(MAX_PAGE)]).optional();

export function sendList(res: Response, resource: string, rows: unknown[], total: number, offset: number) {
  const range = rows.length ? `${offset}-${offset + rows.length - 1}` : '*';
  res.set('Content-Range', `${resource} ${range}/${total}`);
  res.set('Access-Control-Expose-Headers', 'Content-Range');
  res.json(rows);
}

/** Sort, filter and page a list held in memory (a merchant's rules are a few dozen at most). */
export function pageInMemory<T extends Record<string, unknown>>(rows: T[], q: ListQuery<unknown>): T[] {
  const dir = q.sort.order === 'asc' ? 1 : -1;
  const key = (r: T) => r[q.sort.field] as string | number | boolean | null;
  return [...rows]
    .sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -dir : dir;
    })
    .slice(q.offset, q.offset + q.limit);
}
