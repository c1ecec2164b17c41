import fs from 'node:fs';
import path from 'node:path';
import { en } from '../admin-ui/src/i18n/en';
import { zh } from '../admin-ui/src/i18n/zh';
import { withParts } from '../admin-ui/src/i18n/parts';
import { ATTENTION_CODES, AUDIT_ACTIONS, ERROR_CODES, requiredTextKeys } from '../api/message-codes';
import { FIELD_CODES } from '../lib/field-codes';
import { DEFAULT_RULES, HARD_DECISION_NAMES, ruleNameWords } from '../risk/rules';
import { SUPPLIER_OUTCOME_CODES } from '../suppliers/outcome-codes';
import { VOID_REASON_CODES } from '../stock/void-reasons';
import { ORDER_REASON_CODES, orderReason, storedReason } from '../orders/reasons';
import { ALERT_KINDS } from '../lib/alert-kinds';
import { ALERT_KIND_WORDS } from '../lib/alert-kind-words';
import { compose } from '../notifications/compose';

// Every code the server can send reaches a person in their language: the codes thrown in the
// server's source are all declared in api/message-codes.ts, and every declared code has a text in
// English and in Chinese. Both checks are shown to catch a planted code first.

const ROOT = path.join(__dirname, '..');
const SERVER_DIRS = ['api', 'lib', 'orders', 'stock', 'risk', 'suppliers', 'activities', 'storefronts', 'workflows', 'app', 'worker', 'ledger'];

function serverSources(dirs = SERVER_DIRS): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) out.push({ file: path.relative(ROOT, full), text: fs.readFileSync(full, 'utf8') });
    }
  };
  for (const dir of dirs) if (fs.existsSync(path.join(ROOT, dir))) walk(path.join(ROOT, dir));
  return out;
}

type Found = { kind: 'error' | 'attention' | 'audit'; code: string; file: string };

/** The codes a piece of server source can send, by the ways the server makes them. */
function codesIn(file: string, text: string): Found[] {
  const found: Found[] = [];
  const take = (kind: Found['kind'], re: RegExp) => {
    for (const m of text.matchAll(re)) found.push({ kind, code: m[1], file });
  };
  take('error', /\b(?:invalidInput|conflict)\(\s*'([a-z_]+)'/g);
  take('error', /new AppError\(\s*'[a-z_]+',\s*'([a-z_]+)'/g);
  take('error', /\brefused: '([a-z_]+)'/g); // supplier callbacks' refusals, thrown as conflicts
  if (file.endsWith(path.join('orders', 'lifecycle.ts'))) take('error', /\bcode: '([a-z_]+)'/g); // refusals, thrown as conflicts
  take('attention', /new InvariantBroken\(\s*'([a-z_]+)'/g);
  if (file.endsWith(path.join('workflows', 'attention.ts'))) take('attention', /\bcode: '([a-z_]+)'/g);
  take('audit', /\baction: '([a-z_]+\.[a-z_.]+)'/g);
  take('audit', /\baudit\([^()']*'([a-z_]+\.[a-z_.]+)'/g);
  for (const m of text.matchAll(/\baction: `([a-z_.]+)\$\{status\}`/g)) for (const s of ['approved', 'rejected', 'expired']) found.push({ kind: 'audit', code: m[1] + s, file });
  return found;
}

// Where request schemas and field refusals are written; lib/config.ts (the environment, checked at
// start-up) is no request's field.
const FIELD_SCAN_DIRS = [...SERVER_DIRS, 'notifications', 'reconciliation', 'reports'];

/** The arguments of the call whose `(` is at `open`, by counting brackets (enough for this source). */
function callArguments(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length && i < open + 800; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1, open + 800);
}

/** Field refusals with English words and no code: refinements, custom issues and patterns without coded()/fieldPattern(), and { path, message } literals. */
function uncodedRefusals(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\.refine\(|\.regex\(|\baddIssue\(/g)) {
    const args = callArguments(text, m.index + m[0].length - 1);
    const hasWords = /(message: |, )['"`]/.test(args);
    if (hasWords && !/\b(coded|fieldPattern)\(/.test(args)) found.push(`${m[0]}${args.slice(0, 80)}`);
  }
  for (const m of text.matchAll(/\{ ?path(: [^{}]*)?, message: [^{}]*\}/g)) if (!m[0].includes('...')) found.push(m[0].slice(0, 80));
  return found;
}

const DECLARED: Record<Found['kind'], readonly string[]> = { error: ERROR_CODES, attention: ATTENTION_CODES, audit: AUDIT_ACTIONS };
const undeclared = (found: Found[]) => found.filter((f) => !DECLARED[f.kind].includes(f.code));

const lookup = (messages: unknown, key: string): unknown => key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], messages);
// Keys hold dots themselves (audit actions such as `order.refunded`): try the longest known prefix.
function textAt(messages: Record<string, unknown>, key: string): unknown {
  for (const prefix of ['cf.audit.actions.']) if (key.startsWith(prefix)) return (lookup(messages, prefix.slice(0, -1)) as Record<string, unknown>)?.[key.slice(prefix.length)];
  return lookup(messages, key);
}
const missingTexts = (keys: string[], messages: Record<string, unknown>) => keys.filter((k) => typeof textAt(messages, k) !== 'string' || !(textAt(messages, k) as string).trim());

describe('server message codes', () => {
  const sources = serverSources();
  const found = sources.flatMap((s) => codesIn(s.file, s.text));

  it('when a server file throws a code nobody declared, then the scan finds it (positive control)', () => {
    const planted = codesIn('orders/planted.ts', "if (x) throw conflict('planted_refusal', 'Planted');\nthrow new AppError(\n  'conflict',\n  'planted_app_error',\n  'x');");
    expect(undeclared(planted).map((f) => f.code)).toEqual(['planted_refusal', 'planted_app_error']);
  });

  it('when the server source is scanned, then it finds the codes it knows are there', () => {
    const codes = new Set(found.map((f) => f.code));
    for (const known of ['sold_out', 'codes_case_rule_fixed', 'not_retryable', 'internal_error', 'units_without_code', 'orders.bulk_retried', 'risk.review.expired'])
      expect(codes).toContain(known);
  });

  it('then every code the server throws is declared in api/message-codes.ts', () => {
    expect(undeclared(found)).toEqual([]);
  });

  // Built-in rule names reach the console as codes only while ruleNameWords knows them: a built-in
  // rule added without a code would be shown in English.
  it('then every built-in rule and hard decision has a name code, and a renamed rule keeps its own words', () => {
    const unnamed = [...DEFAULT_RULES, ...Object.values(HARD_DECISION_NAMES).map((name) => ({ id: null, name }))].filter((r) => !ruleNameWords(r));
    expect(unnamed).toEqual([]);
    expect(ruleNameWords({ ...DEFAULT_RULES[0], name: 'Our own words' })).toBeNull();
    expect(ruleNameWords({ id: 'a3f1c2d4-0000-4000-8000-000000000001', name: DEFAULT_RULES[0].name })).toBeNull();
  });

  // What a supplier said is stored as failure_code; a code the server itself records must have
  // words (an adapter passing its vendor's own code through is worded as "other").
  const outcomeCodesIn = (text: string) => [
    ...[...text.matchAll(/new SupplierRefused\(\s*'([a-z_]+)'/g)].map((m) => m[1]),
    ...[...text.matchAll(/markFailed\([^)]*?,\s*'([a-z_]+)'/g)].map((m) => m[1]),
    ...[...text.matchAll(/status: 'failed',[^}]*\bcode: '([a-z_]+)'/g)].map((m) => m[1]),
  ];
  it('when a supplier outcome code has no words, then the scan finds it (positive control)', () => {
    const planted = outcomeCodesIn("throw new SupplierRefused('planted_refusal', 'x');\nawait markFailed(trx, p, 'planted_failure', message);");
    expect(planted.filter((c) => !(SUPPLIER_OUTCOME_CODES as readonly string[]).includes(c))).toEqual(['planted_refusal', 'planted_failure']);
  });

  it('then every supplier outcome code the server records is declared', () => {
    const recorded = serverSources().flatMap((s) => outcomeCodesIn(s.text));
    expect(recorded).toContain('out_of_stock');
    expect(recorded).toContain('not_committed');
    expect(recorded.filter((c) => !(SUPPLIER_OUTCOME_CODES as readonly string[]).includes(c))).toEqual([]);
  });

  // Why the system voided a code is a code (stock/void-reasons.ts codedVoidReason); a sentence
  // written straight into codes.void_reason would reach a Chinese reader as written.
  const englishVoidReasons = (text: string) => [...text.matchAll(/\b(?:void_reason|voidReason): ([`'"][^`'"]*[`'"])/g)].map((m) => m[1]);
  it('when a void reason is written as a sentence, then the scan finds it (positive control)', () => {
    const planted = "await trx('codes').update({ status: 'voided', void_reason: 'planted sentence' });\ngiveBackGoods(trx, id, { bought: 'void', voidReason: `planted: ${why}` });";
    expect(englishVoidReasons(planted)).toEqual(["'planted sentence'", '`planted: ${why}`']);
    expect(englishVoidReasons("giveBackGoods(trx, id, { bought: 'void', voidReason: codedVoidReason('order_refunded') });")).toEqual([]);
  });

  it('then every void reason the server writes is a code, and every void code and order reason code has its text key', () => {
    expect(sources.flatMap((s) => englishVoidReasons(s.text).map((found) => `${s.file}: ${found}`))).toEqual([]);
    expect(requiredTextKeys()).toEqual(
      expect.arrayContaining([...VOID_REASON_CODES.map((c) => `cf.reasons.void.${c}`), ...ORDER_REASON_CODES.map((c) => `cf.reasons.order.${c}`)]),
    );
    expect(VOID_REASON_CODES).toEqual(expect.arrayContaining(['order_refunded', 'bundle_undone', 'duplicate_code']));
    expect(ORDER_REASON_CODES).toContain('no_code_left');
  });

  // A purchase step that gave up with no route's reason is worded from outcomes no adapter records
  // (orders/reasons.ts): they must be declared, so the texts check below covers them.
  it('then the outcomes a purchase step’s own failure is given are declared', () => {
    const texts = ['activity StartToClose timeout', 'connect ECONNREFUSED 127.0.0.1:5432'];
    const given = [...texts.map((t) => orderReason(storedReason(`supplier_unavailable: ${t}`), null)), ...texts.map((t) => orderReason(`supplier_unavailable: ${t}`, null))];
    const codes = given.flatMap((r) => r?.outcomes ?? []).map((o) => o.code);
    expect(new Set(codes)).toEqual(new Set(['timed_out', 'unexpected_error', 'unknown_detail']));
    expect(codes.filter((c) => !(SUPPLIER_OUTCOME_CODES as readonly string[]).includes(c))).toEqual([]);
  });

  // The console and the notifications read one list of alert-kind names; a kind without words in
  // either language would reach a person as its code.
  it.each(['en', 'zh'] as const)('then every alert kind has a name in %s, and a notification uses the console’s', (language) => {
    const consoleNames = (language === 'en' ? withParts(en, 'en') : withParts(zh, 'zh')).cf.alerts.kinds as Record<string, string>;
    for (const kind of ALERT_KINDS) {
      const name = (ALERT_KIND_WORDS as Record<string, { en: string; zh: string } | undefined>)[kind]?.[language];
      expect([kind, name?.trim()]).toEqual([kind, expect.any(String)]);
      expect(name).not.toBe('');
      expect(consoleNames[kind]).toBe(name);
      const said = compose([{ alertId: 'a', kind, subject: 'X', message: 'm', raisedAt: new Date(0), resolvedAt: null }], language);
      expect(said.title).toBe(`[Cardflow] ${name}: X`);
    }
  });

  it('when a declared code has no text, then the check names it (positive control)', () => {
    const keys = [...requiredTextKeys(), 'cf.errors.planted_without_text', 'cf.audit.actions.planted.action', 'cf.field_errors.planted_field_code'];
    expect(missingTexts(keys, withParts(en, 'en'))).toEqual(['cf.errors.planted_without_text', 'cf.audit.actions.planted.action', 'cf.field_errors.planted_field_code']);
  });

  // Per-field refusals: a code's type (FieldCode) keeps the server from sending one that is not
  // listed in lib/field-codes.ts, and each listed one needs words (the check below). What the type
  // cannot see is a refusal written with English only: a zod refinement, custom issue or pattern
  // with its own words but no code, or a hand-written { path, message }. The console would show
  // it as the generic "not accepted"; the scan finds it.
  it('then every per-field code has a text key, and the field codes are the ones the server sends', () => {
    expect(requiredTextKeys()).toEqual(expect.arrayContaining(FIELD_CODES.map((c) => `cf.field_errors.${c}`)));
    expect(FIELD_CODES).toEqual(expect.arrayContaining(['required', 'too_small', 'shares_mismatch', 'https_only', 'currency_code']));
  });

  it('when a field refusal has words but no code, then the scan finds it (positive control)', () => {
    const planted = [
      ".refine((p) => p.a < p.b, { message: 'a before b', path: ['b'] })",
      "ctx.addIssue({ code: 'custom', message: `${what} must be JSON` });",
      "z.string().regex(/^[A-Z]{3}$/, 'a currency code (ISO 4217)')",
      "fields.push({ path: 'name', message: 'Another supplier has this name' });",
      ".refine((t) => ok(t), 'must be more than 0')",
    ].join('\n');
    expect(uncodedRefusals(planted)).toHaveLength(5);
    const coded = [
      ".refine((p) => p.a < p.b, { ...coded('to_before_from', 'a before b'), path: ['b'] })",
      "z.string().regex(fieldPattern('currency_code', /^[A-Z]{3}$/), 'a currency code (ISO 4217)')",
      'z.string().regex(/^[0-9]{6}$/)',
      "fields.push({ path: 'name', ...fieldProblem('name_taken', 'Another supplier has this name') });",
    ].join('\n');
    expect(uncodedRefusals(coded)).toEqual([]);
  });

  it('then every field refusal the server writes carries a code', () => {
    const sources = serverSources(FIELD_SCAN_DIRS).filter((s) => s.file !== path.join('lib', 'config.ts'));
    expect(sources.map((s) => s.file)).toEqual(expect.arrayContaining([path.join('orders', 'bundle-lines.ts'), path.join('reconciliation', 'period.ts')]));
    expect(sources.flatMap((s) => uncodedRefusals(s.text).map((found) => `${s.file}: ${found}`))).toEqual([]);
  });

  it.each([
    ['English', withParts(en, 'en')],
    ['Chinese', withParts(zh, 'zh')],
  ])('then every declared code has a text in %s', (_language, messages) => {
    expect(missingTexts(requiredTextKeys(), messages)).toEqual([]);
  });
});
