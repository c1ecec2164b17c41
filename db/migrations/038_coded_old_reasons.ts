import type { Knex } from 'knex';
import { formatMoney } from '../../risk/money';
import { ruleNameWords } from '../../risk/rules';

// Reasons and risk findings stored before they were codes kept only their English, so the console
// showed them in English whatever the reader's language. This rewrites the ones whose English
// follows a known pattern into the codes the code writes today:
// - orders.reason: a supplier purchase's "no active supplier route", "unit is …" and
//   supplier_unavailable sentences become "<code>: {"params":…,"outcomes":…}" (orders/reasons.ts
//   codedReason; a vendor's words stay a quoted message). The timeline (order_events) is
//   append-only, a record of what was said at the time: its old events keep their sentence;
// - orders.risk: an assessment without `explained` gets one when every reason is recognised; a
//   finding without `explained` gets one when its reason is, and a built-in rule's finding its
//   name code (`ruleName`). Nothing of the English is removed: old consoles keep reading it.
// Text that matches no pattern is left as it was and shown as written.

const BATCH = 500;
type Params = Record<string, string | number>;
export type Outcome = { supplier: string; code: string; vendorCode: string; message: string };

const coded = (code: string, params: Params, outcomes?: Outcome[]) => `${code}: ${JSON.stringify(outcomes ? { params, outcomes } : { params })}`;
const outcome = (supplier: string, code: string, message = ''): Outcome => ({ supplier, code, vendorCode: code, message });

// -- supplier reasons (suppliers/purchase-unit.ts, workflows/purchasing.ts before the codes) -----

/** One "<supplier>: <what>" of a list of routes, as the purchase described it in English (039 reads bulk units' too). */
export function routeOutcome(item: string): Outcome | undefined {
  const at = item.indexOf(': ');
  if (at <= 0) return undefined;
  const [supplier, what] = [item.slice(0, at), item.slice(at + 2)];
  const fixed: Record<string, string> = {
    'circuit open': 'circuit_open',
    'at our rate limit': 'at_rate_limit',
    'out of stock': 'out_of_stock',
    'prepaid balance too low': 'insufficient_balance',
    failed: 'failed',
  };
  if (fixed[what]) return outcome(supplier, fixed[what]);
  if (/^price \S+ is above our maximum of \d+$/.test(what)) return outcome(supplier, 'price_changed');
  const said = /^([a-z_]+): ([\s\S]*)$/.exec(what);
  if (said) return outcome(supplier, said[1], said[2]);
  if (/^[a-z_]+$/.test(what)) return outcome(supplier, what);
  return undefined;
}

/** The coded form of an English supplier reason, or undefined when it follows no known pattern. */
export function codedSupplierReason(reason: string): string | undefined {
  let m = /^supplier_failed: SKU (\S+) has no active supplier route$/.exec(reason);
  if (m) return coded('supplier_no_route', { sku: m[1] });
  m = /^supplier_failed: unit is ([a-z_]+)$/.exec(reason);
  if (m) return coded('supplier_unit_closed', { status: m[1] });
  m = /^supplier_unavailable: no supplier can take unit \S+ right now: ([\s\S]+)$/.exec(reason);
  if (m) {
    const outcomes = m[1].split('; ').map(routeOutcome);
    return outcomes.every((o) => o) ? coded('supplier_unavailable', {}, outcomes as Outcome[]) : undefined;
  }
  m = /^supplier_unavailable: ([\s\S]+?) gave no usable answer for \S+ \(([\s\S]*)\); asking about it before buying anything else$/.exec(reason);
  if (m) return coded('supplier_unavailable', {}, [outcome(m[1], 'no_answer', m[2])]);
  m = /^supplier_unavailable: ([\s\S]+?) cannot yet say what became of \S+ \(([\s\S]*)\)$/.exec(reason);
  if (m) return coded('supplier_unavailable', {}, [outcome(m[1], 'no_answer', m[2])]);
  return undefined;
}

/** down(): the English the code before the codes wrote, from a coded supplier reason. */
export function englishSupplierReason(reason: string): string | undefined {
  const m = /^(supplier_no_route|supplier_unit_closed|supplier_unavailable): (\{"params":[\s\S]*\})$/.exec(reason);
  if (!m) return undefined;
  let parsed: { params: Params; outcomes?: Outcome[] };
  try {
    parsed = JSON.parse(m[2]);
  } catch {
    return undefined;
  }
  const { params, outcomes = [] } = parsed;
  if (m[1] === 'supplier_no_route') return `supplier_failed: SKU ${params.sku} has no active supplier route`;
  if (m[1] === 'supplier_unit_closed') return `supplier_failed: unit is ${params.status}`;
  // In the sentences the code then wrote (the unit and the purchase reference were not kept: "-").
  if (outcomes.length === 1 && outcomes[0].code === 'no_answer')
    return `supplier_unavailable: ${outcomes[0].supplier} gave no usable answer for - (${outcomes[0].message}); asking about it before buying anything else`;
  return `supplier_unavailable: no supplier can take unit - right now: ${englishOutcomes(outcomes)}`;
}

/** A list of routes' outcomes in the English the purchase wrote ("Alpha: circuit open; Beta: out_of_stock: …"). */
export function englishOutcomes(outcomes: Outcome[]): string {
  const english: Record<string, string> = { circuit_open: 'circuit open', at_rate_limit: 'at our rate limit' };
  return outcomes.map((o) => `${o.supplier}: ${english[o.code] ?? (o.message ? `${o.vendorCode}: ${o.message}` : o.vendorCode)}`).join('; ');
}

// -- risk reasons (risk/evaluate.ts, whose English is unchanged since before the codes) ----------

const SUBJECTS: Record<string, string> = { IP: 'ip', subnet: 'subnet', account: 'account', device: 'device', email: 'email', phone: 'phone', payment: 'payment' };
const SUBJECT = `(${Object.keys(SUBJECTS).join('|')})`;
const LIST_KINDS: Record<string, string> = { 'email domain': 'email_domain', 'IP range': 'cidr' };
const SOURCES: Record<string, string> = { IP: 'ip', card: 'card', account: 'account' };

/** describeWindow's English as windowParams' value and unit. */
function windowOf(text: string): { windowValue: number; windowUnit: string } | undefined {
  if (text === '24 h') return { windowValue: 1, windowUnit: 'days' };
  const m = /^(\d+) (days|h|min|s)$/.exec(text);
  return m ? { windowValue: Number(m[1]), windowUnit: m[2] } : undefined;
}

/** describeAge's English in whole hours. */
function hoursOf(text: string): number | undefined {
  const m = /^(\d+) (min|h|days)$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Math.round(m[2] === 'min' ? n / 60 : m[2] === 'h' ? n : n * 24);
}

type Explained = { code: string; params: Params };

/** One English risk reason as its code and parameters, or undefined when it follows no known pattern. */
export function explainRiskReason(text: string): Explained | undefined {
  const pointed = /^([\s\S]*) \(\+(\d+)\)$/.exec(text);
  const found = explainOne(pointed && !/^unusual for /.test(text) ? pointed[1] : text);
  return found && pointed && found.code !== 'model_unusual' ? { code: found.code, params: { ...found.params, points: Number(pointed[2]) } } : found;
}

function explainOne(text: string): Explained | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^buyer (.+?) is on the (blocklist|allow list)(?: \(([\s\S]*)\))?$/.exec(text)))
    return { code: m[2] === 'blocklist' ? 'list_blocked' : 'list_allowed', params: { kind: LIST_KINDS[m[1]] ?? m[1], note: m[3] ?? '' } };
  if ((m = /^order amount (\d+) exceeds the per-order cap of (\d+) \(([A-Z]{3}) minor units\)$/.exec(text)))
    return { code: 'merchant_cap_amount', params: { amount: formatMoney(Number(m[1]), m[3]), max: formatMoney(Number(m[2]), m[3]) } };
  if ((m = /^order has (\d+) units, over the per-order cap of (\d+)$/.exec(text))) return { code: 'merchant_cap_quantity', params: { units: Number(m[1]), max: Number(m[2]) } };
  const velocity: [string, RegExp, boolean][] = [
    ['velocity_count', new RegExp(`^(\\d+) orders from ${SUBJECT} (.+) in the last (.+?) \\(limit (\\d+)\\)$`), false],
    ['velocity_amount', new RegExp(`^(.+?) ordered by ${SUBJECT} (.+) in the last (.+?) \\(limit (.+)\\)$`), true],
    ['velocity_payments', new RegExp(`^(\\d+) different payment instruments used from ${SUBJECT} (.+) in the last (.+?) \\(limit (\\d+)\\)$`), false],
    ['velocity_card_bins', new RegExp(`^(\\d+) different card BINs used from ${SUBJECT} (.+) in the last (.+?) \\(limit (\\d+)\\)$`), false],
    ['velocity_buyers', new RegExp(`^(\\d+) different buyers ordered from ${SUBJECT} (.+) in the last (.+?) \\(limit (\\d+)\\)$`), false],
  ];
  for (const [code, re, money] of velocity) {
    if (!(m = re.exec(text))) continue;
    const window = windowOf(m[4]);
    if (!window) return undefined;
    const n = (s: string) => (money ? s : Number(s));
    return { code, params: { subject: SUBJECTS[m[2]], value: m[3], ...window, max: n(m[5]), seen: n(m[1]) } };
  }
  if ((m = /^account is (.+?) old and orders (.+) \(rule: under (\d+) h and at least (.+)\)$/.exec(text))) {
    const ageHours = hoursOf(m[1]);
    return ageHours === undefined ? undefined : { code: 'new_account', params: { ageHours, amount: m[2], maxAgeHours: Number(m[3]), minAmount: m[4] } };
  }
  if (
    (m =
      /^account (\d+) days old orders (.+) from IP country (\S+) \(new for it\), a new device(, a new payment instrument)? \((?:(\d+) earlier orders, median (.+)|no earlier orders here); rule: at least (\d+) days old, ([\d.]+)× usual, at least (.+)\)$/.exec(
        text,
      ))
  ) {
    const currency = /^([A-Z]{3}) /.exec(m[2])?.[1] ?? '';
    return {
      code: 'account_takeover',
      params: {
        ageDays: Number(m[1]),
        amount: m[2],
        ipCountry: m[3],
        newPayment: m[4] ? 1 : 0,
        earlierOrders: m[5] ? Number(m[5]) : 0,
        usual: m[6] ?? formatMoney(0, currency),
        minAgeDays: Number(m[7]),
        multiple: Number(m[8]),
        minAmount: m[9],
      },
    };
  }
  if ((m = /^first purchase of high-risk SKU (.+) by this buyer$/.exec(text))) return { code: 'first_purchase', params: { skus: m[1] } };
  if ((m = /^(\d+) × (\S+), over the cap of (\d+) per order$/.exec(text))) return { code: 'sku_cap_quantity', params: { quantity: Number(m[1]), sku: m[2], max: Number(m[3]) } };
  if ((m = /^(.+) of (\S+), over the cap of (.+) per order$/.exec(text))) return { code: 'sku_cap_amount', params: { amount: m[1], sku: m[2], max: m[3] } };
  if ((m = /^order has (\d+) units, over the cap of (\d+)$/.exec(text))) return { code: 'order_cap_quantity', params: { units: Number(m[1]), max: Number(m[2]) } };
  if ((m = /^order amount (.+) is over the cap of (.+)$/.exec(text))) return { code: 'order_cap_amount', params: { amount: m[1], max: m[2] } };
  if ((m = /^(IP|card|account) country (\S+) differs from (IP|card|account) country (\S+)$/.exec(text)))
    return { code: 'country_mismatch', params: { first: SOURCES[m[1]], firstCountry: m[2], second: SOURCES[m[3]], secondCountry: m[4] } };
  if ((m = /^email (.*) is at a disposable-address provider$/.exec(text))) return { code: 'disposable_email', params: { email: m[1] === 'undefined' ? '' : m[1] } };
  if ((m = /^risk score (\d+) reached the (reject|review) threshold (\d+)$/.exec(text)))
    return { code: m[2] === 'reject' ? 'score_reject' : 'score_review', params: { score: Number(m[1]), threshold: Number(m[3]) } };
  // The anomaly model's features were not kept as values then: the frame is worded, its detail stays as written.
  if ((m = /^unusual for (this shop|a new shop, judged by priors) \(\+(\d+)\): ([\s\S]*)$/.exec(text)))
    return { code: 'model_unusual', params: { points: Number(m[2]), priors: m[1] === 'this shop' ? 0 : 1, detail: m[3] } };
  return undefined;
}

type Finding = { ruleId?: string | null; rule?: string; reason?: string; explained?: unknown; ruleName?: unknown };
type Assessment = { reasons?: unknown; explained?: unknown; findings?: unknown };

/** The assessment with its reasons and findings coded where they can be, or undefined when nothing changes. */
export function codedAssessment(risk: Assessment): Assessment | undefined {
  let changed = false;
  const out: Assessment = { ...risk };
  if (out.explained === undefined && Array.isArray(risk.reasons)) {
    const explained = risk.reasons.map((r) => (typeof r === 'string' ? explainRiskReason(r) : undefined));
    if (explained.every((e) => e)) {
      out.explained = explained;
      changed = true;
    }
  }
  if (Array.isArray(risk.findings)) {
    out.findings = (risk.findings as Finding[]).map((f) => {
      const next = { ...f };
      if (next.explained === undefined && typeof f.reason === 'string') {
        const explained = explainRiskReason(f.reason);
        if (explained) next.explained = explained;
      }
      if (next.ruleName === undefined && typeof f.rule === 'string') {
        const words = ruleNameWords({ id: f.ruleId ?? null, name: f.rule });
        if (words) next.ruleName = words;
      }
      if (next.explained !== f.explained || next.ruleName !== f.ruleName) changed = true;
      return next;
    });
  }
  return changed ? out : undefined;
}

// -- the rows ----------------------------------------------------------------------------------

/** Rewrites rows in batches by id: `change` answers the new column values, or undefined to keep the row. */
async function rewrite<T extends { id: string | number }>(
  knex: Knex,
  select: (after: string | number | null) => Knex.QueryBuilder,
  table: string,
  change: (row: T) => Record<string, unknown> | undefined,
): Promise<void> {
  let after: string | number | null = null;
  for (;;) {
    const rows = (await select(after).limit(BATCH)) as T[];
    if (rows.length === 0) return;
    for (const row of rows) {
      const values = change(row);
      if (values) await knex(table).where({ id: row.id }).update(values);
    }
    after = rows[rows.length - 1].id;
  }
}

const keyset = (q: Knex.QueryBuilder, column: string, after: string | number | null) => (after === null ? q : q.where(column, '>', after)).orderBy(column);

async function rewriteReasons(knex: Knex, change: (reason: string) => string | undefined, like: string[]): Promise<void> {
  await rewrite<{ id: string; reason: string }>(
    knex,
    (after) =>
      keyset(
        knex('orders')
          .select('id', 'reason')
          .where((w) => like.forEach((l) => w.orWhere('reason', 'like', l))),
        'id',
        after,
      ),
    'orders',
    (row) => {
      const reason = change(row.reason);
      return reason ? { reason } : undefined;
    },
  );
}

export async function up(knex: Knex): Promise<void> {
  await rewriteReasons(knex, codedSupplierReason, ['supplier\\_failed: SKU %', 'supplier\\_failed: unit is %', 'supplier\\_unavailable: %']);
  await rewrite<{ id: string; risk: Assessment }>(
    knex,
    (after) =>
      keyset(
        knex('orders')
          .select('id', 'risk')
          .whereNotNull('risk')
          .where((w) =>
            w
              .whereRaw(`NOT jsonb_exists(risk, 'explained')`)
              .orWhereRaw('jsonb_path_exists(risk, ?::jsonpath)', ['$.findings[*] ? (!(exists(@.explained)) || !(exists(@.ruleName)))']),
          ),
        'id',
        after,
      ),
    'orders',
    (row) => {
      const risk = codedAssessment(row.risk);
      return risk ? { risk } : undefined;
    },
  );
}

// The supplier reasons go back to English sentences, which the code before this migration shows as
// they are (it would show the coded text raw). The codes added to risk assessments are left: that
// code reads them already, and the English beside them was never removed.
export async function down(knex: Knex): Promise<void> {
  await rewriteReasons(knex, englishSupplierReason, ['supplier\\_no\\_route: {%', 'supplier\\_unit\\_closed: {%', 'supplier\\_unavailable: {%']);
}
