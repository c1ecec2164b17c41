import { useTranslate } from 'react-admin';

// Why an order was cancelled or failed, and why risk control flagged it, in the reader's
// language: the server sends a code with parameters beside its English sentence
// (orders/reasons.ts, risk/reason-codes.ts); the sentence is kept for what has no code (a
// person's own words, and assessments stored before the codes existed).

export interface ReasonWords {
  code: string;
  params: Record<string, string | number>;
}
export interface OrderReasonWords extends ReasonWords {
  reasons?: ReasonWords[];
}

export function useReasonWords() {
  const translate = useTranslate();
  const param = (p: ReasonWords['params'], key: string) => (p[key] === undefined ? '' : String(p[key]));
  const note = (text: string) => (text ? translate('cf.reasons.note', { note: text }) : '');

  function riskReason(r: ReasonWords): string {
    const p = r.params;
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
    return translate(`cf.reasons.order.${reason.code}`, { ...p, reasons, note: note(param(p, 'note')), _: sentence ?? reason.code });
  }

  return { riskReason, orderReason };
}
