import { z } from 'zod';
import { coded } from '../lib/field-codes';
import { durationSeconds } from '../lib/duration-field';
import { COUNTRY_SOURCES, MAX_WINDOW_SECONDS, RULE_ACTIONS, SUBJECTS, VELOCITY_MEASURES } from './vocabulary';

export { MAX_WINDOW_SECONDS } from './vocabulary';

// A merchant's risk rules. Each rule either adds points to the order's score or takes a hard
// decision (allow, review, reject), always with a reason a person can read. Rules are kept as
// versioned rule sets (risk/rule-sets.ts): an order records the version it was judged by.

const money = z.number().int().min(1).max(1e12); // minor units of the order's currency
const skuCode = z.string().trim().min(1).max(64);

const velocity = z
  .object({
    subject: z.enum(SUBJECTS),
    measure: z.enum(VELOCITY_MEASURES),
    /** Sliding window ending at the order's acceptance, e.g. 60, 3600, 86400. */
    windowSeconds: durationSeconds(z.number().int(), 1, MAX_WINDOW_SECONDS, { tooShort: 'at least 1 second', tooLong: 'at most 7 days' }),
    /** Largest count (orders, instruments or BINs, this one's included) or amount (minor units) still allowed. */
    max: z.number().int().min(0).max(1e12),
  })
  .strict();

const newAccount = z
  .object({
    maxAccountAgeHours: z
      .number()
      .positive()
      .max(24 * 365),
    minOrderAmount: z.number().int().min(0).max(1e12),
  })
  .strict();

// An established account suddenly ordering like someone else: from a country it never ordered
// from, on a new device, with a new payment instrument, for more than it usually spends.
const accountTakeover = z
  .object({
    /** Accounts at least this old count as established. */
    minAccountAgeDays: z.number().int().min(1).max(3650),
    /** "More than usual": this many times the account's median order here ... */
    amountMultiple: z.number().min(1).max(1000),
    /** ... and at least this much (all an account without orders here is judged by). */
    minOrderAmount: z.number().int().min(0).max(1e12),
  })
  .strict();

const firstPurchase = z.object({ skus: z.array(skuCode).min(1).max(100) }).strict();

// Refinements name the field a person would fix (the second of a pair), so a form can show the
// message beside that input.
const hasLimit = { ...coded('limit_required', 'give maxQuantity, maxAmount or both'), path: ['maxQuantity'] };
const skuCap = z
  .object({ sku: skuCode, maxQuantity: z.number().int().min(1).max(1000).optional(), maxAmount: money.optional() })
  .strict()
  .refine((p) => p.maxQuantity !== undefined || p.maxAmount !== undefined, hasLimit);

const orderCap = z
  .object({ maxQuantity: z.number().int().min(1).max(1000).optional(), maxAmount: money.optional() })
  .strict()
  .refine((p) => p.maxQuantity !== undefined || p.maxAmount !== undefined, hasLimit);

const countryMismatch = z
  .object({ between: z.tuple([z.enum(COUNTRY_SOURCES), z.enum(COUNTRY_SOURCES)]) })
  .strict()
  .refine((p) => p.between[0] !== p.between[1], { ...coded('same_countries', 'compare two different countries'), path: ['between', 1] });

const disposableEmail = z.object({}).strict();

const common = {
  name: z.string().trim().min(1, 'give the rule a name').max(100),
  enabled: z.boolean().default(true),
  /** score: add `score` points; review / reject / allow: a hard decision. */
  action: z.enum(RULE_ACTIONS),
  score: z.number().int().min(1).max(1000).optional(),
};

export const RuleInputSchema = z
  .discriminatedUnion('kind', [
    z.object({ ...common, kind: z.literal('velocity'), params: velocity }).strict(),
    z.object({ ...common, kind: z.literal('new_account'), params: newAccount }).strict(),
    z.object({ ...common, kind: z.literal('account_takeover'), params: accountTakeover }).strict(),
    z.object({ ...common, kind: z.literal('first_purchase'), params: firstPurchase }).strict(),
    z.object({ ...common, kind: z.literal('sku_cap'), params: skuCap }).strict(),
    z.object({ ...common, kind: z.literal('order_cap'), params: orderCap }).strict(),
    z.object({ ...common, kind: z.literal('country_mismatch'), params: countryMismatch }).strict(),
    z.object({ ...common, kind: z.literal('disposable_email'), params: disposableEmail.default({}) }).strict(),
  ])
  .superRefine((rule, ctx) => {
    if (rule.action === 'score' && rule.score === undefined) {
      ctx.addIssue({ code: 'custom', path: ['score'], ...coded('score_required', 'a rule with action "score" needs a score') });
    }
    if (rule.action !== 'score' && rule.score !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['score'], ...coded('score_not_taken', `a rule with action "${rule.action}" takes no score`) });
    }
  });

export type RuleInput = z.infer<typeof RuleInputSchema>;
export type Rule = RuleInput & { id: string };
export type RuleKind = Rule['kind'];
export type RuleAction = Rule['action'];

export const RiskSettingsSchema = z
  .object({
    /** Score at which an order is held for review. */
    reviewScore: z.number().int().min(1).max(10_000).default(50),
    /** Score at which an order is rejected outright. */
    rejectScore: z.number().int().min(1).max(10_000).default(100),
    /** How long a held order waits for a reviewer before it is rejected automatically. */
    reviewTimeoutSeconds: durationSeconds(z.number().int(), 1, 30 * 24 * 3600, { tooShort: 'at least 1 second', tooLong: 'at most 30 days' }).default(24 * 3600),
    model: z
      .object({
        enabled: z.boolean().default(true),
        /** The most points the anomaly model may add to one order. */
        maxScore: z.number().int().min(0).max(10_000).default(40),
      })
      .strict()
      .default({ enabled: true, maxScore: 40 }),
  })
  .strict()
  .refine((s) => s.rejectScore > s.reviewScore, { ...coded('reject_not_above_review', 'rejectScore must be above reviewScore'), path: ['rejectScore'] });

export type RiskSettings = z.infer<typeof RiskSettingsSchema>;
export const DEFAULT_SETTINGS: RiskSettings = RiskSettingsSchema.parse({});

/**
 * The names of the rules a merchant starts with, and of the hard decisions that are not rules
 * (a list entry, the merchant's own order cap), as codes: text at cf.risk.rule_names.<code>.
 */
export const BUILT_IN_RULE_NAMES = [
  'card_testing_ip_minute',
  'ip_orders_minute',
  'subnet_orders_hour',
  'device_orders_hour_many',
  'device_orders_hour',
  'payment_uses_day',
  'account_orders_hour',
  'email_orders_day',
  'phone_orders_day',
  'account_spend_day',
  'new_account_big_order',
  'ip_card_country',
  'ip_account_country',
  'disposable_email',
  'card_testing_device_cards',
  'card_testing_device_cards_many',
  'card_testing_ip_cards',
  'card_testing_subnet_bins',
  'bot_burst_account',
  'bot_burst_device',
  'bot_burst_payment',
  'account_farm_mailbox',
  'account_farm_subnet',
  'account_takeover',
  'block_list',
  'allow_list',
  'merchant_order_cap',
] as const;
export type BuiltInRuleName = (typeof BUILT_IN_RULE_NAMES)[number];
export interface RuleNameWords {
  code: BuiltInRuleName;
  params: Record<string, string | number>;
}
const builtInNames = new Map<string, { code: BuiltInRuleName; name: string }>();
/** The hard decisions risk/evaluate.ts takes before the rules, by the name their findings carry. */
export const HARD_DECISION_NAMES = { block: 'block list', allow: 'allow list', cap: 'merchant order cap' } as const;
const HARD_DECISIONS = new Map<string, { code: BuiltInRuleName; name: string }>([
  [HARD_DECISION_NAMES.block, { code: 'block_list', name: HARD_DECISION_NAMES.block }],
  [HARD_DECISION_NAMES.allow, { code: 'allow_list', name: HARD_DECISION_NAMES.allow }],
  [HARD_DECISION_NAMES.cap, { code: 'merchant_order_cap', name: HARD_DECISION_NAMES.cap }],
]);

const MIN = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * What a merchant gets before changing anything (rule set version 0). Floods are rejected, not
 * held: a held order keeps its stock reserved, so holding a thousand card-testing orders would
 * empty the shelf as surely as selling to them. Ids are fixed so the first edit keeps them.
 */
export const DEFAULT_RULES: Rule[] = [
  rule(1, 'card_testing_ip_minute', 'Card testing: many orders from one IP in a minute', 'velocity', { subject: 'ip', measure: 'count', windowSeconds: MIN, max: 10 }, 'reject'),
  rule(2, 'ip_orders_minute', 'Several orders from one IP in a minute', 'velocity', { subject: 'ip', measure: 'count', windowSeconds: MIN, max: 4 }, 'score', 40),
  rule(3, 'subnet_orders_hour', 'Many orders from one subnet in an hour', 'velocity', { subject: 'subnet', measure: 'count', windowSeconds: HOUR, max: 10 }, 'score', 30),
  rule(4, 'device_orders_hour_many', 'Many orders from one device in an hour', 'velocity', { subject: 'device', measure: 'count', windowSeconds: HOUR, max: 20 }, 'reject'),
  rule(5, 'device_orders_hour', 'Several orders from one device in an hour', 'velocity', { subject: 'device', measure: 'count', windowSeconds: HOUR, max: 6 }, 'score', 40),
  rule(6, 'payment_uses_day', 'One payment instrument used many times in a day', 'velocity', { subject: 'payment', measure: 'count', windowSeconds: DAY, max: 10 }, 'reject'),
  rule(7, 'account_orders_hour', 'Many orders from one account in an hour', 'velocity', { subject: 'account', measure: 'count', windowSeconds: HOUR, max: 10 }, 'score', 50),
  rule(8, 'email_orders_day', 'Many orders from one email in a day', 'velocity', { subject: 'email', measure: 'count', windowSeconds: DAY, max: 20 }, 'score', 30),
  rule(9, 'phone_orders_day', 'Many orders from one phone in a day', 'velocity', { subject: 'phone', measure: 'count', windowSeconds: DAY, max: 20 }, 'score', 30),
  rule(10, 'account_spend_day', 'High spend by one account in a day', 'velocity', { subject: 'account', measure: 'amount', windowSeconds: DAY, max: 1_000_000 }, 'score', 40),
  rule(11, 'new_account_big_order', 'New account with a high-value order', 'new_account', { maxAccountAgeHours: 24, minOrderAmount: 30_000 }, 'score', 30),
  rule(12, 'ip_card_country', 'IP country differs from card country', 'country_mismatch', { between: ['ip', 'card'] }, 'score', 25),
  rule(13, 'ip_account_country', 'IP country differs from account country', 'country_mismatch', { between: ['ip', 'account'] }, 'score', 15),
  rule(14, 'disposable_email', 'Disposable email address', 'disposable_email', {}, 'score', 35),
  // Day-one defaults for the attacks this trade sees (issue 19), before the shop has history.
  // Card testing: one machine or network trying card after card. A second card from a device
  // in an hour is ordinary; a third is held, a fifth rejected.
  rule(
    15,
    'card_testing_device_cards',
    'Card testing: several cards from one device in an hour',
    'velocity',
    { subject: 'device', measure: 'payments', windowSeconds: HOUR, max: 2 },
    'score',
    50,
  ),
  rule(
    16,
    'card_testing_device_cards_many',
    'Card testing: many cards from one device in an hour',
    'velocity',
    { subject: 'device', measure: 'payments', windowSeconds: HOUR, max: 4 },
    'reject',
  ),
  rule(
    17,
    'card_testing_ip_cards',
    'Card testing: several cards from one IP in 10 minutes',
    'velocity',
    { subject: 'ip', measure: 'payments', windowSeconds: 10 * MIN, max: 3 },
    'score',
    50,
  ),
  rule(
    18,
    'card_testing_subnet_bins',
    'Card testing: many card BINs from one subnet in an hour',
    'velocity',
    { subject: 'subnet', measure: 'card_bins', windowSeconds: HOUR, max: 5 },
    'score',
    40,
  ),
  // Reseller bots: bursts. Two orders in ten minutes is a buyer; a third is a burst.
  rule(
    19,
    'bot_burst_account',
    'Bot burst: orders from one account in 10 minutes',
    'velocity',
    { subject: 'account', measure: 'count', windowSeconds: 10 * MIN, max: 2 },
    'score',
    50,
  ),
  rule(
    20,
    'bot_burst_device',
    'Bot burst: orders from one device in 10 minutes',
    'velocity',
    { subject: 'device', measure: 'count', windowSeconds: 10 * MIN, max: 2 },
    'score',
    50,
  ),
  rule(
    21,
    'bot_burst_payment',
    'Bot burst: orders with one payment instrument in 10 minutes',
    'velocity',
    { subject: 'payment', measure: 'count', windowSeconds: 10 * MIN, max: 2 },
    'score',
    50,
  ),
  // Account farms: fresh accounts behind aliases of one mailbox (a+1@, a+2@ … are one email),
  // or behind one proxy network, which rotates addresses within a subnet but not the subnet.
  // Strangers share a subnet now and then (carrier NAT), so this only adds points: with a
  // minutes-old account's big order it holds, alone it does not.
  rule(
    23,
    'account_farm_mailbox',
    'Account farm: several orders from one mailbox in an hour',
    'velocity',
    { subject: 'email', measure: 'count', windowSeconds: HOUR, max: 2 },
    'score',
    30,
  ),
  rule(
    24,
    'account_farm_subnet',
    'Account farm: several buyers from one subnet in an hour',
    'velocity',
    { subject: 'subnet', measure: 'buyers', windowSeconds: HOUR, max: 2 },
    'score',
    30,
  ),
  // Account takeover: an old account acting like a stranger, for more than it usually spends.
  rule(
    22,
    'account_takeover',
    'Account takeover: established account from a new country and device, above its usual',
    'account_takeover',
    { minAccountAgeDays: 30, amountMultiple: 3, minOrderAmount: 30_000 },
    'score',
    60,
  ),
];

function rule(n: number, code: BuiltInRuleName, name: string, kind: RuleKind, params: unknown, action: RuleAction, score?: number): Rule {
  const parsed = RuleInputSchema.parse({ name, kind, params, action, score });
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  builtInNames.set(id, { code, name });
  return { id, ...parsed };
}

/**
 * A built-in rule's name as a code the console words (cf.risk.rule_names.<code>), so a Chinese
 * reader sees it in Chinese. Only while the rule still carries the name it came with: a merchant
 * who renamed it wrote their own words, shown as written, like every rule they added.
 */
export function ruleNameWords(rule: { id: string | null; name: string }): RuleNameWords | null {
  const builtIn = rule.id ? builtInNames.get(rule.id) : HARD_DECISIONS.get(rule.name);
  return builtIn && builtIn.name === rule.name ? { code: builtIn.code, params: {} } : null;
}

export function describeWindow(seconds: number): string {
  if (seconds % DAY === 0) return seconds === DAY ? '24 h' : `${seconds / DAY} days`;
  if (seconds % HOUR === 0) return `${seconds / HOUR} h`;
  if (seconds % MIN === 0) return `${seconds / MIN} min`;
  return `${seconds} s`;
}
