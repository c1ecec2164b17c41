import { useRecordContext } from 'react-admin';
import { useReasonWords, type VoidReasonWords } from '../orders/reasons';

// A code's void reason in a list (a SKU's codes, a batch's codes): worded from its code when the
// system voided it (stock/void-reasons.ts), a person's own words as they wrote them.

// `label` and `sortable` are read by the Datagrid for its header.
export function VoidReasonField(_: { source: 'voidReason'; label?: string; sortable?: boolean }) {
  const record = useRecordContext<{ voidReason: string | null; voidReasonCode?: VoidReasonWords | null }>();
  const words = useReasonWords();
  if (!record?.voidReason) return null;
  return <span data-testid="void-reason">{words.voidReason(record.voidReasonCode, record.voidReason)}</span>;
}
