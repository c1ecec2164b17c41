import { useTranslate } from 'react-admin';

// Why an order was cancelled or failed, why risk control flagged it, and why a code was voided,
// in the reader's language: the server sends a code with parameters beside its English sentence
// (orders/reasons.ts, risk/reason-codes.ts); the sentence is kept for what has no code (a
// person's own words, and assessments stored before the codes existed).

export interface ReasonWords {
  code: string;
  params: Record<string, string | number>;
  /** model_unusual: what the anomaly model found unusual (risk/model/features.ts). */
  features?: { feature: string; points: number; params: Record<string, string | number> }[];
}
/** What a supplier said (suppliers/outcome-codes.ts); its own message is quoted, not translated. */
export interface SupplierOutcomeWords {
  supplier: string;
  code: string;
  vendorCode: string;
  message: string;
}
export interface OrderReasonWords extends ReasonWords {
  reasons?: ReasonWords[];
  outcomes?: SupplierOutcomeWords[];
}

/** Why the system voided a code (stock/void-reasons.ts), with its order's reason when the void followed from it. */
export interface VoidReasonWords {
  code: string;
  params: Record<string, string | number>;
  orderReason?: OrderReasonWords | null;
  orderReasonText?: string;
}

export function useReasonWords() {
  const translate = useTranslate();
  const param = (p: ReasonWords['params'], key: string) => (p[key] === undefined ? '' : String(p[key]));
  const note = (text: string) => (text ? translate('cf.reasons.note', { note: text }) : '');

  /** One thing the anomaly model found unusual, with how rare it was when the model says so. */
  function modelFeature(f: NonNullable<ReasonWords['features']>[number], priors: boolean): string {
    const p = f.params;
    const unit = (value: string, u: string) => translate(`cf.reasons.units.${param(p, u)}`, { n: param(p, value), _: `${param(p, value)} ${param(p, u)}` });
    const text = translate(`cf.risk.model_features.${f.feature}`, {
      ...p,
      ...(p.ageUnit !== undefined ? { age: unit('ageValue', 'ageUnit'), medianAge: unit('medianValue', 'medianUnit') } : {}),
      _: f.feature,
    });
    return p.rarerThan === undefined
      ? text
      : translate('cf.risk.model_rarity', { reason: text, n: p.rarerThan, of: translate(priors ? 'cf.risk.model_of_priors' : 'cf.risk.model_of_shop') });
  }

  function riskReason(r: ReasonWords): string {
    const p = r.params;
    if (r.code === 'model_unusual' && r.features) {
      const detail = r.features.map((f) => modelFeature(f, p.priors === 1)).join(translate('cf.reasons.separator'));
      const text = translate(p.priors === 1 ? 'cf.risk.model_unusual_priors' : 'cf.reasons.risk.model_unusual', { detail });
      return p.points !== undefined ? translate('cf.reasons.points', { reason: text, points: p.points }) : text;
    }
    const subject = translate(`cf.reasons.subjects.${param(p, 'subject')}`, { _: param(p, 'subject') });
    const window = translate(`cf.reasons.units.${param(p, 'windowUnit')}`, { n: param(p, 'windowValue'), _: `${param(p, 'windowValue')} ${param(p, 'windowUnit')}` });
    const kind = translate(`cf.reasons.list_kinds.${param(p, 'kind')}`, { _: param(p, 'kind') });
    const source = (key: string) => translate(`cf.reasons.sources.${param(p, key)}`, { _: param(p, key) });
    const text = translate(`cf.reasons.risk.${r.code}`, {
      ...p,
      subject,
      window,
      kind,
      note: note(param(p, 'note')),
      ...(p.first !== undefined ? { first: source('first'), second: source('second') } : {}),
      _: r.code,
    });
    return p.points !== undefined ? translate('cf.reasons.points', { reason: text, points: p.points }) : text;
  }

  function orderReason(reason: OrderReasonWords | null | undefined, sentence: string | null): string | null {
    if (!reason) return sentence;
    const p = reason.params;
    const reasons = reason.reasons ? reason.reasons.map(riskReason).join(translate('cf.reasons.separator')) : param(p, 'detail');
    const detail = reason.outcomes ? reason.outcomes.map(supplierOutcome).join(translate('cf.reasons.separator')) : param(p, 'detail');
    const status = p.status === undefined ? {} : { status: translate(`cf.status.${param(p, 'status')}`, { _: param(p, 'status') }) };
    return translate(`cf.reasons.order.${reason.code}`, { ...p, ...status, reasons, detail, note: note(param(p, 'note')), _: sentence ?? reason.code });
  }

  /** Why a code was voided: worded from its code when the system voided it, else the person's words as written. */
  function voidReason(reason: VoidReasonWords | null | undefined, sentence: string | null): string {
    if (!reason) return sentence ?? '';
    const because = reason.orderReason !== undefined ? (orderReason(reason.orderReason, reason.orderReasonText ?? null) ?? '') : '';
    return translate(`cf.reasons.void.${reason.code}`, { ...reason.params, reason: because, _: sentence ?? reason.code });
  }

  /** "Supplier: out of stock", the vendor's own message after it in quotes; no name when no one supplier said it (the purchase step itself timed out or failed). */
  function supplierOutcome(o: SupplierOutcomeWords): string {
    const said = translate(`cf.suppliers.outcomes.${o.code}`, { code: o.vendorCode, _: o.vendorCode });
    const text = o.supplier ? translate('cf.suppliers.outcome', { supplier: o.supplier, outcome: said }) : said;
    return o.message ? translate('cf.suppliers.outcome_said', { outcome: text, message: o.message }) : text;
  }

  /** A verdict's reasons: worded from their codes when it has them, else its English sentences as stored. */
  function riskReasons(explained: ReasonWords[] | null | undefined, sentences: string[] | null | undefined): string[] {
    return explained ? explained.map(riskReason) : (sentences ?? []);
  }

  return { riskReason, riskReasons, orderReason, voidReason, modelFeature };
}
