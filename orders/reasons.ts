import { RISK_REASON_CODES, type RiskReason, type RiskReasonCode } from '../risk/reason-codes';
import type { SupplierOutcome } from '../suppliers/outcome-codes';

// Why an order was cancelled or failed, as a stable code with parameters beside the English
// sentence in orders.reason, so the console words it in the reader's language. The workflow
// writes the sentence as "<code>: <detail>" (workflows/fulfil-order.ts, workflows/risk-review.ts,
// workflows/purchasing.ts, orders/manual-fulfilment.ts), and its histories keep that shape, so the
// code is read from the sentence here rather than carried through them; a risk rejection takes its
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
] as const;
export type OrderReasonCode = (typeof ORDER_REASON_CODES)[number];

export interface OrderReason {
  code: OrderReasonCode;
  params: Record<string, string | number>;
  /** For risk_rejected: the assessment's reasons, each a code with parameters. */
  reasons?: RiskReason[];
  /** For supplier_failed: what each supplier said (orders/console-view.ts reads them from supplier_purchases). */
  outcomes?: SupplierOutcome[];
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
  switch (code) {
    case 'risk_rejected': {
      const explained = storedExplanations(risk);
      return explained ? { code, params: {}, reasons: explained } : { code, params: { detail } };
    }
    case 'risk_review_rejected':
      // The reviewer's note, in their own words; the default sentence when they gave none.
      return { code, params: { note: detail === 'rejected by a reviewer' ? '' : detail } };
    case 'supplier_failed':
    case 'supplier_unavailable':
      // What the supplier said, passed on as received.
      return { code, params: { detail } };
    default:
      return { code, params: {} };
  }
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
