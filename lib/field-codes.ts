import type { z } from 'zod';

// Why one field of a request is refused, as a stable code with params: a person reads it in the
// console's language (cf.field_errors.<code>, admin-ui/src/i18n/parts/fields13.ts), an API client
// keeps the English `message`. Every code is listed here once; the type makes a refusal with an
// unlisted code a compile error, and test/message-codes.test.ts fails on a code without words.

export const FIELD_CODES = [
  // zod's own checks, mapped by fieldProblemOf below
  'required',
  'expected_number',
  'whole_number',
  'expected_text',
  'expected_boolean',
  'expected_list',
  'expected_object',
  'wrong_type',
  'too_small',
  'must_exceed',
  'too_big',
  'must_be_below',
  'empty',
  'too_short',
  'too_long',
  'wrong_length',
  'too_few',
  'too_many',
  'not_multiple_of',
  // a duration in seconds out of its range (lib/duration-field.ts)
  'duration_too_short',
  'duration_too_long',
  'invalid_email',
  'invalid_url',
  'invalid_id',
  'invalid_date',
  'invalid_date_time',
  'invalid_ip',
  'invalid_format',
  'one_of',
  'unknown_fields',
  'invalid',
  // fixed forms (fieldPattern)
  'currency_code',
  'sku_code',
  'month',
  'decimal_rate',
  'phone',
  'country_code',
  'card_bin',
  'chat_id',
  // an address Cardflow would call or hand to a buyer (lib/outbound-http.ts, stock/redeem-url.ts)
  'not_a_url',
  'https_only',
  'http_or_https_only',
  'credentials_in_url',
  'private_address',
  'local_host_name',
  // rules of the request itself (refinements)
  'max_below_min',
  'picture_address',
  'time_zone',
  'not_json',
  'invalid_range',
  'invalid_cursor',
  'sku_repeated',
  'too_many_units',
  'quantity_or_recipients',
  'quantity_not_recipients',
  'quantity_break_repeated',
  'email_or_phone',
  'invalid_ip_range',
  'invalid_domain',
  'limit_required',
  'same_countries',
  'score_required',
  'score_not_taken',
  'reject_not_above_review',
  'chat_id_required',
  'to_before_from',
  'period_too_long',
  'not_an_amount',
  'outside_period',
  // what only the database or the rest of the request knows
  'bundle_too_few_parts',
  'unknown_product',
  'bundle_in_bundle',
  'other_currency',
  'part_repeated',
  'shares_mismatch',
  'bundle_parts_required',
  'bundle_parts_not_taken',
  'custom_amount_not_taken',
  'cancel_not_after_escalation',
  'code_taken',
  'fixed_once_codes',
  'unknown_gift_design',
  'schedule_too_far',
  'webhook_url_required',
  'statement_filter_required',
  'email_taken',
  'last_owner',
  'wrong_password',
  'required_for_api',
  'name_taken',
  'used_by_routes',
  'unknown_supplier',
  'supplier_without_api',
  'column_missing',
  'unknown_column',
] as const;
export type FieldCode = (typeof FIELD_CODES)[number];
export type FieldParams = Record<string, string | number>;

/** Why a field is refused: its code and params for the console, English for API clients. */
export interface FieldProblem {
  code: FieldCode;
  params?: FieldParams;
  message: string;
}
/** One refused field of a request (`details.fields[]` of an error answer); `field` names a query parameter the problem is inside. */
export interface FieldRefusal extends FieldProblem {
  path: string;
  field?: string;
}

/** The form field a refusal is shown beside (react-admin's `errors` key): the first refusal of a field is the one shown. */
export const fieldKey = (f: Pick<FieldRefusal, 'path' | 'field'>) => f.field ?? (f.path || 'root');

export const fieldProblem = (code: FieldCode, message: string, params?: FieldParams): FieldProblem => ({ code, message, ...(params ? { params } : {}) });

/**
 * A zod refinement's (or `ctx.addIssue`'s) message and params carrying its field code, which
 * fieldProblemOf reads back: zod's custom issues keep `params`, and nothing else of the caller's.
 */
export const coded = (code: FieldCode, message: string, params: FieldParams = {}) => ({ message, params: { fieldCode: code, fieldParams: params } });

// A `.regex()` check's issue says only its pattern; a pattern with a meaning of its own is
// registered with its code, so the refusal names the form ("a currency code") not "a pattern".
const PATTERN_CODES = new Map<string, { code: FieldCode; params?: FieldParams }>();
/** The pattern, registered under a code: `.regex(fieldPattern('currency_code', /^[A-Z]{3}$/), 'English')`. */
export function fieldPattern(code: FieldCode, pattern: RegExp, params?: FieldParams): RegExp {
  const known = PATTERN_CODES.get(String(pattern));
  if (known && known.code !== code) throw new Error(`The pattern ${pattern} is already registered as ${known.code}`);
  PATTERN_CODES.set(String(pattern), { code, params });
  return pattern;
}

const TYPE_CODES: Record<string, FieldCode> = {
  number: 'expected_number',
  bigint: 'expected_number',
  nan: 'expected_number',
  int: 'whole_number',
  string: 'expected_text',
  boolean: 'expected_boolean',
  array: 'expected_list',
  tuple: 'expected_list',
  set: 'expected_list',
  object: 'expected_object',
  record: 'expected_object',
  map: 'expected_object',
  date: 'invalid_date',
};
const FORMAT_CODES: Record<string, FieldCode> = {
  email: 'invalid_email',
  url: 'invalid_url',
  uuid: 'invalid_id',
  guid: 'invalid_id',
  date: 'invalid_date',
  datetime: 'invalid_date_time',
  ipv4: 'invalid_ip',
  ipv6: 'invalid_ip',
};
const listed = (values: readonly unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
const isFieldCode = (code: unknown): code is FieldCode => (FIELD_CODES as readonly unknown[]).includes(code);

type Issue = z.core.$ZodIssue & { input?: unknown };

/**
 * The one mapping of a zod issue to a field code and params. Parse with `reportInput: true` so a
 * missing field (input undefined) reads as `required`; the input itself is never passed on.
 */
export function fieldProblemOf(issue: Issue): Omit<FieldProblem, 'message'> {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return { code: 'required' };
      return TYPE_CODES[issue.expected] ? { code: TYPE_CODES[issue.expected] } : { code: 'wrong_type', params: { expected: issue.expected } };
    case 'too_small': {
      const minimum = Number(issue.minimum);
      if (issue.origin === 'string')
        return issue.exact ? { code: 'wrong_length', params: { length: minimum } } : minimum <= 1 ? { code: 'empty' } : { code: 'too_short', params: { minimum } };
      if (issue.origin === 'array' || issue.origin === 'set') return { code: 'too_few', params: { minimum } };
      return { code: issue.inclusive === false ? 'must_exceed' : 'too_small', params: { minimum } };
    }
    case 'too_big': {
      const maximum = Number(issue.maximum);
      if (issue.origin === 'string') return issue.exact ? { code: 'wrong_length', params: { length: maximum } } : { code: 'too_long', params: { maximum } };
      if (issue.origin === 'array' || issue.origin === 'set') return { code: 'too_many', params: { maximum } };
      return { code: issue.inclusive === false ? 'must_be_below' : 'too_big', params: { maximum } };
    }
    case 'invalid_format': {
      const registered = issue.format === 'regex' && issue.pattern ? PATTERN_CODES.get(issue.pattern) : undefined;
      if (registered) return registered;
      return { code: FORMAT_CODES[issue.format] ?? 'invalid_format' };
    }
    case 'not_multiple_of':
      return { code: 'not_multiple_of', params: { divisor: issue.divisor } };
    case 'invalid_value':
      return { code: 'one_of', params: { values: listed(issue.values) } };
    case 'unrecognized_keys':
      return { code: 'unknown_fields', params: { keys: issue.keys.join(', ') } };
    case 'invalid_union': {
      if (issue.discriminator && 'options' in issue && issue.options) return { code: 'one_of', params: { values: listed(issue.options) } };
      // The option the value was meant for is the one whose type it has: its check says what is
      // wrong ("not a date" for a date-or-time that is neither), not the other options' types.
      const meant = issue.errors.flat().find((i) => i.code !== 'invalid_type' && i.code !== 'invalid_value');
      return meant ? fieldProblemOf(meant) : { code: 'invalid' };
    }
    case 'invalid_key':
    case 'invalid_element':
      return issue.issues[0] ? fieldProblemOf(issue.issues[0]) : { code: 'invalid' };
    case 'custom': {
      const code: unknown = issue.params?.fieldCode;
      if (!isFieldCode(code)) return { code: 'invalid' };
      const params = issue.params?.fieldParams as FieldParams | undefined;
      return params && Object.keys(params).length ? { code, params } : { code };
    }
  }
}

/** Every issue of a failed parse as a field refusal, its path joined with dots (after `prefix`, such as a CSV line's). */
export function fieldRefusalsOf(issues: readonly Issue[], prefix = ''): FieldRefusal[] {
  return issues.map((i) => ({ path: prefix + i.path.join('.'), ...fieldProblemOf(i), message: i.message }));
}
