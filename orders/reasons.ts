import { RISK_REASON_CODES, type RiskReason, type RiskReasonCode } from '../risk/reason-codes';
import { supplierOutcome, type SupplierOutcome } from '../suppliers/outcome-codes';
import { explainRiskReason } from '../db/migrations/038_coded_old_reasons';

// Why an order was cancelled or failed, as a stable code with parameters, so the console words it
// in the reader's language. orders.reason holds "<code>: <detail>" (workflows/fulfil-order.ts,
// workflows/risk-review.ts, workflows/purchasing.ts, orders/manual-fulfilment.ts), and its
// histories keep that shape, so the code is read from the text here rather than carried through
// them. Where the detail would be our own English, the text is made by codedReason() instead:
// "<code>: {"params":…,"outcomes":…}", parameters only, a vendor's words only as a quoted
// parameter (migration 038 rewrote the older English ones into it). A risk rejection takes its
// reasons, as codes, from the assessment stored on the order. A reason a person typed (a
// cancellation note, a refund reason) has no code: it is shown as written.

/** The codes an order's reason can carry; text at cf.reasons.order.<code>. */
export const ORDER_REASON_CODES = [
  'risk_rejected',
  'risk_review_expired',
  'risk_review_rejected',
  'manual_fulfilment_deadline',
  'supplier_failed',
  'supplier_unavailable',
  'supplier_no_route',
  'supplier_unit_closed',
  'bulk_units_failed',
  // A bulk order's stock unit that found no code (its reserved one expired or was voided since):
  // a unit's reason, not an order's (bulk_unit_failures.reason keeps the same shape as orders.reason).
  'no_code_left',
] as const;
export type OrderReasonCode = (typeof ORDER_REASON_CODES)[number];

export interface OrderReason {
  code: OrderReasonCode;
  params: Record<string, string | number>;
  /** For risk_rejected: the assessment's reasons, each a code with parameters. */
  reasons?: RiskReason[];
  /**
   * For supplier_failed: what each supplier said (orders/console-view.ts reads them from
   * supplier_purchases); for supplier_unavailable: why each route could not be used then.
   */
  outcomes?: SupplierOutcome[];
}

type Params = OrderReason['params'];

/** An order's reason as orders.reason keeps it when it has parameters rather than an English detail. */
export function codedReason(code: OrderReasonCode, params: Params, outcomes?: SupplierOutcome[]): string {
  return `${code}: ${JSON.stringify(outcomes ? { params, outcomes } : { params })}`;
}

// When no route said why a unit could not be bought, workflows/purchasing.ts passes the purchase
// step's own failure text: Temporal's message when the step ran out of time, or an error's message.
// Neither is for a person: it becomes a code, the error's message only quoted.
const STEP_TIMED_OUT = /^activity \w+ timeout$/;

function stepFailure(text: string, otherwise: 'unexpected_error' | 'unknown_detail'): SupplierOutcome {
  return STEP_TIMED_OUT.test(text) ? supplierOutcome('', 'timed_out', '') : supplierOutcome('', otherwise, text);
}

/**
 * An order's reason as it is stored (the failOrder step) and shown: a supplier_unavailable whose
 * detail is the purchase step's failure text becomes "supplier_unavailable: {…}" with a timed_out
 * or unexpected_error outcome; every other reason is kept as given.
 */
export function storedReason(reason: string): string {
  const m = /^supplier_unavailable: ([\s\S]*)$/.exec(reason);
  return m && !codedDetail(m[1]) ? codedReason('supplier_unavailable', {}, [stepFailure(m[1], 'unexpected_error')]) : reason;
}

/**
 * What a coded text holds after its code ("{"params":…}", as codedReason() and
 * stock/void-reasons.ts write it), its parameters kept to strings and numbers; undefined when
 * the text is not one.
 */
export function codedBody(detail: string): { params: Params; body: Record<string, unknown> } | undefined {
  if (!detail.startsWith('{"params":')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('params' in parsed) || typeof parsed.params !== 'object' || parsed.params === null) return undefined;
  const params: Params = {};
  for (const [k, v] of Object.entries(parsed.params)) if (typeof v === 'string' || typeof v === 'number') params[k] = v;
  return { params, body: parsed };
}

/** The parameters (and outcomes) codedReason() wrote, or undefined when the detail is not one. */
function codedDetail(detail: string): Pick<OrderReason, 'params' | 'outcomes'> | undefined {
  const read = codedBody(detail);
  if (!read) return undefined;
  const { params, body } = read;
  if (!Array.isArray(body.outcomes)) return { params };
  const outcomes = body.outcomes.flatMap((o: unknown) => {
    if (typeof o !== 'object' || o === null) return [];
    const text = (key: string) => (key in o && typeof (o as Record<string, unknown>)[key] === 'string' ? ((o as Record<string, unknown>)[key] as string) : null);
    const supplier = text('supplier');
    return supplier === null ? [] : [supplierOutcome(supplier, text('vendorCode') || text('code'), text('message'))];
  });
  return { params, outcomes };
}

const isCode = (text: string): text is OrderReasonCode => (ORDER_REASON_CODES as readonly string[]).includes(text);

const isRiskCode = (code: unknown): code is RiskReasonCode => typeof code === 'string' && (RISK_REASON_CODES as readonly string[]).includes(code);

/** The reason's code and parameters, or null for a person's own words (and for no reason). */
export function orderReason(reason: string | null, risk: unknown): OrderReason | null {
  if (!reason) return null;
  const match = /^([a-z_]+)(?::\s*([\s\S]*))?$/.exec(reason);
  if (!match || !isCode(match[1])) return null;
  const code = match[1];
  const detail = match[2] ?? '';
  const coded = codedDetail(detail);
  if (coded) return { code, ...coded };
  switch (code) {
    case 'risk_rejected': {
      const explained = storedExplanations(risk);
      return explained ? { code, params: {}, reasons: explained } : { code, params: { detail } };
    }
    case 'risk_review_rejected':
      // The reviewer's note, in their own words; the default sentence when they gave none.
      return { code, params: { note: detail === 'rejected by a reviewer' ? '' : detail } };
    case 'supplier_failed':
      // What the supplier said, passed on as received.
      return { code, params: { detail } };
    case 'supplier_unavailable':
      // Stored before the codes, in English nobody recognised (migration 038 coded the sentences
      // it knew): a step's timeout is known for what it was; anything else is only quoted.
      return { code, params: {}, outcomes: [stepFailure(detail, 'unknown_detail')] };
    default:
      return { code, params: {} };
  }
}

/**
 * A risk verdict's reasons as codes, for a record that carries the English reasons (a
 * risk_checked event, a review): its own codes when it has them (risk/assess-order.ts writes
 * them beside the text), else the order's assessment's when that one said the same reasons (a
 * record written before the codes were), else its English read back into codes as migration 038
 * read the assessments' (a retried order's earlier check, which said other reasons; the timeline
 * is append-only, so its entries are read, not rewritten). Undefined when any reason is not
 * recognised: the English is then shown as written.
 */
export function riskReasonCodes(record: unknown, risk: unknown): RiskReason[] | undefined {
  const own = storedExplanations(record);
  if (own) return own;
  const reasons = (r: unknown): unknown[] | undefined => (typeof r === 'object' && r !== null && 'reasons' in r && Array.isArray(r.reasons) ? r.reasons : undefined);
  const said = reasons(record);
  if (said === undefined) return undefined;
  const theirs = JSON.stringify(said) === JSON.stringify(reasons(risk)) ? storedExplanations(risk) : undefined;
  return theirs ?? storedExplanations({ explained: said.map((r) => (typeof r === 'string' ? explainRiskReason(r) : undefined)) });
}

/** The assessment's reasons as codes (risk/assess-order.ts stores them); undefined for older assessments. */
function storedExplanations(risk: unknown): RiskReason[] | undefined {
  if (typeof risk !== 'object' || risk === null || !('explained' in risk) || !Array.isArray(risk.explained)) return undefined;
  const out: RiskReason[] = [];
  for (const r of risk.explained) {
    if (typeof r !== 'object' || r === null || !('code' in r) || !isRiskCode(r.code) || !('params' in r) || typeof r.params !== 'object' || r.params === null) return undefined;
    const params: RiskReason['params'] = {};
    for (const [k, v] of Object.entries(r.params)) if (typeof v === 'string' || typeof v === 'number') params[k] = v;
    const features = 'features' in r && Array.isArray(r.features) ? (r.features as NonNullable<RiskReason['features']>) : undefined;
    out.push({ code: r.code, params, ...(features ? { features } : {}) });
  }
  return out;
}
