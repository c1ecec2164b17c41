// Where an answer does not have the shape of a public document's example: each field of the
// example present, with the same JSON type. Used by the vendor contract tests, so a simulator
// cannot drift away from the document it was written from.

export interface ShapeRules {
  /** Fields the document marks optional. */
  optional?: Set<string>;
  /** Fields whose inside is free-form (maps keyed by values, texts by language). */
  freeForm?: Set<string>;
  /** Fields the document says may be null. */
  nullable?: Set<string>;
  /** Fields the document shows as a number that are also sent as text (codes with letters). */
  numberOrText?: Set<string>;
}

export function shapeGaps(example: unknown, actual: unknown, rules: ShapeRules = {}, at = '$'): string[] {
  const type = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const key = at
    .split('.')
    .pop()!
    .replace(/\[\d+\]$/, '');
  if (actual === null && (rules.nullable?.has(key) || example === null)) return [];
  if (example === null) return [];
  if (rules.numberOrText?.has(key) && ['number', 'string'].includes(type(actual)) && ['number', 'string'].includes(type(example))) return [];
  if (type(example) !== type(actual)) return [`${at}: ${type(actual)}, the document shows ${type(example)}`];
  if (rules.freeForm?.has(key)) return [];
  if (Array.isArray(example)) return example.length && (actual as unknown[]).length ? shapeGaps(example[0], (actual as unknown[])[0], rules, `${at}[0]`) : [];
  if (type(example) !== 'object') return [];
  const a = actual as Record<string, unknown>;
  return Object.entries(example as Record<string, unknown>).flatMap(([k, v]) =>
    k in a ? shapeGaps(v, a[k], rules, `${at}.${k}`) : rules.optional?.has(k) ? [] : [`${at}.${k}: missing`],
  );
}

/** Fields of `actual` the document's example does not have (a request must not invent fields). */
export function extraFields(example: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  return Object.keys(actual).filter((k) => !(k in example));
}
