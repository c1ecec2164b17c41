import type { Buyer } from '../orders/validators';
import { median } from './model/features';
import { formatMoney } from './money';
import { describeWindow, HARD_DECISION_NAMES, ruleNameWords, type Rule, type RiskSettings, type RuleNameWords } from './rules';
import type { RiskReason, RiskReasonCode } from './reason-codes';
import { describeSubject, subjectKeys, type Subject } from './signals';

// The rules applied to one order: pure, given what the database said (risk/assess-order.ts
// gathers it). A finding is one rule that fired, with its reason; decide() turns the findings
// into allow / review / reject.

export interface OrderFacts {
  currency: string;
  totalAmount: number;
  createdAt: Date;
  units: number;
  items: { sku: string; quantity: number; unitPrice: number }[];
  buyer: Buyer;
}

export interface Lookups {
  /** Orders (this one included) per subject and window: `${subject}:${windowSeconds}`. */
  velocity: Map<string, { count: number; amount: number; payments: number; cardBins: number; buyers: number }>;
  /** The buyer's earlier delivered orders here, most recent first. */
  prior: PriorOrder[];
  /** SKU codes in this order that the buyer has never had delivered before. */
  firstPurchaseSkus: Set<string>;
  disposableEmail: boolean;
  listHits: { list: 'block' | 'allow'; kind: string; reason: string | null }[];
  /** The merchant's legacy per-order caps (merchants.risk_max_order_*). */
  merchantCaps: { maxAmount: number | null; maxQuantity: number | null };
}

export interface PriorOrder {
  amount: number;
  device?: string;
  ipCountry?: string;
  payment?: string;
}

export interface Finding {
  ruleId: string | null;
  rule: string;
  kind: string;
  action: 'score' | 'review' | 'reject' | 'allow';
  score?: number;
  reason: string;
  /** The reason as a code with parameters, for the console to word (risk/reason-codes.ts). */
  explained: RiskReason;
  /** A built-in rule's name as a code (risk/rules.ts); absent for a merchant's own words. */
  ruleName?: RuleNameWords;
}

/** A reason said twice: in English, and as a code with the values its words need. */
interface Said {
  text: string;
  explained: RiskReason;
}
const named = (rule: { id: string | null; name: string }): { ruleName?: RuleNameWords } => {
  const words = ruleNameWords(rule);
  return words ? { ruleName: words } : {};
};
const said = (code: RiskReasonCode, params: RiskReason['params'], text: string): Said => ({ text, explained: { code, params } });

/** A window as a number and a unit the console words (describeWindow's English beside it). */
function windowParams(seconds: number): { windowValue: number; windowUnit: 'days' | 'h' | 'min' | 's' } {
  if (seconds % 86_400 === 0) return { windowValue: seconds / 86_400, windowUnit: 'days' };
  if (seconds % 3_600 === 0) return { windowValue: seconds / 3_600, windowUnit: 'h' };
  if (seconds % 60 === 0) return { windowValue: seconds / 60, windowUnit: 'min' };
  return { windowValue: seconds, windowUnit: 's' };
}

export type Decision = 'allow' | 'review' | 'reject';

export const velocityKey = (subject: Subject, windowSeconds: number) => `${subject}:${windowSeconds}`;

export function evaluateRules(rules: Rule[], order: OrderFacts, lookups: Lookups): Finding[] {
  const findings: Finding[] = [];
  const money = (minor: number) => formatMoney(minor, order.currency);
  const { maxAmount, maxQuantity } = lookups.merchantCaps;
  const hard = (rule: string, kind: string, action: Finding['action'], why: Said) =>
    findings.push({ ruleId: null, rule, kind, action, reason: why.text, explained: why.explained, ...named({ id: null, name: rule }) });

  // Lists and the merchant's own caps come first: they are hard decisions, not rules to tune.
  for (const hit of lookups.listHits) {
    const label = hit.kind === 'email_domain' ? 'email domain' : hit.kind === 'cidr' ? 'IP range' : hit.kind;
    // The entry's note is the merchant's own words: passed on as written.
    const params = { kind: hit.kind, note: hit.reason ?? '' };
    if (hit.list === 'block')
      hard(HARD_DECISION_NAMES.block, 'list', 'reject', said('list_blocked', params, `buyer ${label} is on the blocklist${hit.reason ? ` (${hit.reason})` : ''}`));
    else hard(HARD_DECISION_NAMES.allow, 'list', 'allow', said('list_allowed', params, `buyer ${label} is on the allow list${hit.reason ? ` (${hit.reason})` : ''}`));
  }
  if (maxAmount != null && order.totalAmount > maxAmount) {
    hard(
      HARD_DECISION_NAMES.cap,
      'order_cap',
      'reject',
      said(
        'merchant_cap_amount',
        { amount: money(order.totalAmount), max: money(maxAmount) },
        `order amount ${order.totalAmount} exceeds the per-order cap of ${maxAmount} (${order.currency} minor units)`,
      ),
    );
  }
  if (maxQuantity != null && order.units > maxQuantity) {
    hard(
      HARD_DECISION_NAMES.cap,
      'order_cap',
      'reject',
      said('merchant_cap_quantity', { units: order.units, max: maxQuantity }, `order has ${order.units} units, over the per-order cap of ${maxQuantity}`),
    );
  }

  const keys = subjectKeys(order.buyer);
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const why = reasonFor(rule);
    if (why)
      findings.push({
        ruleId: rule.id,
        rule: rule.name,
        ...named(rule),
        kind: rule.kind,
        action: rule.action,
        ...(rule.score ? { score: rule.score } : {}),
        reason: why.text,
        explained: why.explained,
      });
  }
  return findings;

  function reasonFor(rule: Rule): Said | undefined {
    switch (rule.kind) {
      case 'velocity': {
        const { subject, measure, windowSeconds, max } = rule.params;
        const value = keys[subject];
        const seen = value !== undefined ? lookups.velocity.get(velocityKey(subject, windowSeconds)) : undefined;
        if (!value || !seen) return undefined;
        const who = describeSubject(subject, value);
        const window = describeWindow(windowSeconds);
        const p = { subject, value: describeSubject(subject, value).slice(subject.length + 1), ...windowParams(windowSeconds), max };
        if (measure === 'count' && seen.count > max)
          return said('velocity_count', { ...p, seen: seen.count }, `${seen.count} orders from ${who} in the last ${window} (limit ${max})`);
        if (measure === 'amount' && seen.amount > max)
          return said(
            'velocity_amount',
            { ...p, seen: money(seen.amount), max: money(max) },
            `${money(seen.amount)} ordered by ${who} in the last ${window} (limit ${money(max)})`,
          );
        if (measure === 'payments' && seen.payments > max)
          return said('velocity_payments', { ...p, seen: seen.payments }, `${seen.payments} different payment instruments used from ${who} in the last ${window} (limit ${max})`);
        if (measure === 'card_bins' && seen.cardBins > max)
          return said('velocity_card_bins', { ...p, seen: seen.cardBins }, `${seen.cardBins} different card BINs used from ${who} in the last ${window} (limit ${max})`);
        if (measure === 'buyers' && seen.buyers > max)
          return said('velocity_buyers', { ...p, seen: seen.buyers }, `${seen.buyers} different buyers ordered from ${who} in the last ${window} (limit ${max})`);
        return undefined;
      }
      case 'new_account': {
        if (!order.buyer.accountCreatedAt) return undefined;
        const ageHours = Math.max(0, (order.createdAt.getTime() - Date.parse(order.buyer.accountCreatedAt)) / 3_600_000);
        if (ageHours >= rule.params.maxAccountAgeHours || order.totalAmount < rule.params.minOrderAmount) return undefined;
        return said(
          'new_account',
          { ageHours: Math.round(ageHours), amount: money(order.totalAmount), maxAgeHours: rule.params.maxAccountAgeHours, minAmount: money(rule.params.minOrderAmount) },
          `account is ${describeAge(ageHours)} old and orders ${money(order.totalAmount)} (rule: under ${rule.params.maxAccountAgeHours} h and at least ${money(rule.params.minOrderAmount)})`,
        );
      }
      case 'account_takeover':
        return takeoverReason(rule.params, order, lookups.prior, money);
      case 'first_purchase': {
        const first = order.items.map((i) => i.sku).filter((sku) => rule.params.skus.includes(sku) && lookups.firstPurchaseSkus.has(sku));
        if (first.length === 0) return undefined;
        return said('first_purchase', { skus: first.join(', ') }, `first purchase of high-risk SKU ${first.join(', ')} by this buyer`);
      }
      case 'sku_cap': {
        const item = order.items.find((i) => i.sku === rule.params.sku);
        if (!item) return undefined;
        const { maxQuantity: q, maxAmount: a } = rule.params;
        if (q !== undefined && item.quantity > q)
          return said('sku_cap_quantity', { quantity: item.quantity, sku: item.sku, max: q }, `${item.quantity} × ${item.sku}, over the cap of ${q} per order`);
        if (a !== undefined && item.quantity * item.unitPrice > a) {
          const spent = money(item.quantity * item.unitPrice);
          return said('sku_cap_amount', { amount: spent, sku: item.sku, max: money(a) }, `${spent} of ${item.sku}, over the cap of ${money(a)} per order`);
        }
        return undefined;
      }
      case 'order_cap': {
        const { maxQuantity: q, maxAmount: a } = rule.params;
        if (q !== undefined && order.units > q) return said('order_cap_quantity', { units: order.units, max: q }, `order has ${order.units} units, over the cap of ${q}`);
        if (a !== undefined && order.totalAmount > a)
          return said('order_cap_amount', { amount: money(order.totalAmount), max: money(a) }, `order amount ${money(order.totalAmount)} is over the cap of ${money(a)}`);
        return undefined;
      }
      case 'country_mismatch': {
        const country = { ip: order.buyer.ipCountry, card: order.buyer.cardCountry, account: order.buyer.accountCountry };
        const [x, y] = rule.params.between;
        if (!country[x] || !country[y] || country[x] === country[y]) return undefined;
        return said(
          'country_mismatch',
          { first: x, firstCountry: country[x], second: y, secondCountry: country[y] },
          `${x === 'ip' ? 'IP' : x} country ${country[x]} differs from ${y === 'ip' ? 'IP' : y} country ${country[y]}`,
        );
      }
      case 'disposable_email':
        return lookups.disposableEmail ? said('disposable_email', { email: order.buyer.email ?? '' }, `email ${order.buyer.email} is at a disposable-address provider`) : undefined;
    }
  }
}

/**
 * An established account ordering the way its owner never has: every sign the storefront sent
 * must be new (IP country, device, payment instrument; at least the country and the device),
 * and the order bigger than the account's usual. With no orders here yet, "new" means "not the
 * account's own country", and "usual" is the amount floor.
 */
function takeoverReason(
  p: { minAccountAgeDays: number; amountMultiple: number; minOrderAmount: number },
  order: OrderFacts,
  prior: PriorOrder[],
  money: (minor: number) => string,
): Said | undefined {
  const { buyer } = order;
  if (!buyer.accountCreatedAt || !buyer.ipCountry || !buyer.deviceId) return undefined;
  const ageDays = (order.createdAt.getTime() - Date.parse(buyer.accountCreatedAt)) / 86_400_000;
  if (ageDays < p.minAccountAgeDays) return undefined;
  const knownCountries = new Set([buyer.accountCountry, ...prior.map((o) => o.ipCountry)].filter(Boolean));
  if (knownCountries.size === 0 || knownCountries.has(buyer.ipCountry)) return undefined;
  if (prior.some((o) => o.device === buyer.deviceId)) return undefined;
  if (buyer.paymentFingerprint && prior.some((o) => o.payment === buyer.paymentFingerprint)) return undefined;
  const usual = prior.length ? median(prior.map((o) => o.amount)) : 0;
  const above = Math.max(p.minOrderAmount, Math.round(usual * p.amountMultiple));
  if (order.totalAmount < above) return undefined;
  const history = prior.length ? `${prior.length} earlier orders, median ${money(usual)}` : 'no earlier orders here';
  const payment = buyer.paymentFingerprint ? ', a new payment instrument' : '';
  return said(
    'account_takeover',
    {
      ageDays: Math.round(ageDays),
      amount: money(order.totalAmount),
      ipCountry: buyer.ipCountry,
      newPayment: buyer.paymentFingerprint ? 1 : 0,
      earlierOrders: prior.length,
      usual: money(usual),
      minAgeDays: p.minAccountAgeDays,
      multiple: p.amountMultiple,
      minAmount: money(p.minOrderAmount),
    },
    `account ${Math.round(ageDays)} days old orders ${money(order.totalAmount)} from IP country ${buyer.ipCountry} (new for it), a new device${payment} (${history}; rule: at least ${p.minAccountAgeDays} days old, ${p.amountMultiple}× usual, at least ${money(p.minOrderAmount)})`,
  );
}

export interface RiskVerdict {
  decision: Decision;
  score: number;
  /** The findings that decided, for a person: hard decisions first, then what added up. */
  reasons: string[];
  /** The same reasons, one for one, as codes with parameters (risk/reason-codes.ts). */
  explained: RiskReason[];
}

/**
 * Allow (an allow-list entry or rule) wins over everything, as in Stripe Radar; then reject
 * (a hard rule, or a score at rejectScore); then review (a hard rule, or a score at reviewScore).
 */
export function decide(findings: Finding[], modelPoints: number, modelReasons: string[], settings: RiskSettings, modelExplained: RiskReason[] = []): RiskVerdict {
  const scored = findings.filter((f) => f.action === 'score');
  const score = scored.reduce((sum, f) => sum + (f.score ?? 0), 0) + modelPoints;
  const by = (action: Finding['action']) => findings.filter((f) => f.action === action);
  // Two rules can find the same thing (a hard "hold on country mismatch" beside the default
  // score for it): a person reads it once, with the hard decision.
  const hard = new Set([...by('reject'), ...by('review')].map((f) => f.reason));
  const pointed = scored.filter((f) => !hard.has(f.reason));
  const withPoints: Said[] = [
    ...pointed.map((f) => ({ text: `${f.reason} (+${f.score})`, explained: { code: f.explained.code, params: { ...f.explained.params, points: f.score ?? 0 } } })),
    ...modelReasons.map((text, i) => ({ text, explained: modelExplained[i] ?? { code: 'model_unusual' as const, params: { points: modelPoints, detail: text } } })),
  ];
  const verdict = (decision: Decision, reasons: Said[]): RiskVerdict => ({ decision, score, reasons: reasons.map((r) => r.text), explained: reasons.map((r) => r.explained) });
  const saidOf = (fs: Finding[]): Said[] => fs.map((f) => ({ text: f.reason, explained: f.explained }));

  if (by('allow').length) return verdict('allow', saidOf(by('allow')));
  if (by('reject').length) return verdict('reject', saidOf(by('reject')));
  if (score >= settings.rejectScore)
    return verdict('reject', [
      said('score_reject', { score, threshold: settings.rejectScore }, `risk score ${score} reached the reject threshold ${settings.rejectScore}`),
      ...withPoints,
    ]);
  if (by('review').length) return verdict('review', [...saidOf(by('review')), ...withPoints]);
  if (score >= settings.reviewScore)
    return verdict('review', [
      said('score_review', { score, threshold: settings.reviewScore }, `risk score ${score} reached the review threshold ${settings.reviewScore}`),
      ...withPoints,
    ]);
  return verdict('allow', []);
}

export function describeAge(hours: number): string {
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Math.round(hours)} h`;
  return `${Math.round(hours / 24)} days`;
}
