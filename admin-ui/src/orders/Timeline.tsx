import { Box, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { formatWhen, Money, useIntlLocale } from '../components/fields';
import { useAttentionReason } from '../attention';
import { useReasonWords, type OrderReasonWords, type ReasonWords } from './reasons';
import type { ConsoleOrder } from './types';

// The order's timeline (order_events) in words. Known events get a sentence; an event this
// console does not know yet is still shown, its details as readable "name: value" pairs.

type Event = ConsoleOrder['timeline'][number];

/** The facts an event's detail may carry, by name; each event type has some of them. */
type EventFacts = Partial<{
  by: string;
  items: { sku: string; quantity: number }[];
  totalAmount: number;
  decision: string;
  reasons: string[];
  /** risk_checked: the reasons as codes (orders/console-view.ts), absent when they have none. */
  reasonCodes: ReasonWords[];
  note: string;
  units: number;
  revenue: number;
  grossProfit: number;
  currency: string;
  httpStatus: number;
  attempts: number;
  outcome: string;
  error: string;
  reason: string;
  releasedUnits: number;
  amount: number;
  previousReason: string;
  sku: string;
  cancelAt: string;
  reference: string;
  unitCost: number;
  message: string;
  code: string;
  reasonCode: OrderReasonWords | null;
  previousReasonCode: OrderReasonWords | null;
  step: string;
  params: Record<string, string | number>;
  action: string;
  rows: number;
  status: string;
  delivered: number;
  failed: number;
  codesReturnedToStock: number;
  codesVoided: number;
  writtenOff: number;
  topUpsToRefund: string[];
  issuedFor: string;
  expiresAt: string;
  deliverAt: string;
  channel: string;
  codesInEmail: number;
}>;

function Detail({ event, currency }: { event: Event; currency: string }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const words = useReasonWords();
  const attentionReason = useAttentionReason();
  const e = event as EventFacts;
  const t13 = (key: string, params?: Record<string, unknown>) => translate(`cf.events.detail13.${key}`, params);
  const channel = e.channel ? t13(`channels.${e.channel}`, { _: e.channel }) : '';
  const by = e.by ? ` · ${translate('cf.events.detail.by', { by: String(e.by).replace(/^user:/, '') })}` : '';
  switch (event.type) {
    case 'accepted':
      return (
        <>
          {(e.items ?? []).map((i) => `${i.sku} × ${i.quantity}`).join(', ')} · <Money minor={e.totalAmount} currency={currency} />
        </>
      );
    case 'risk_checked': {
      const reasons = words.riskReasons(e.reasonCodes, e.reasons);
      return (
        <>
          {translate(`cf.status.${e.decision}`, { _: e.decision })}
          {reasons.length ? ` · ${reasons.join(translate('cf.reasons.separator'))}` : ''}
        </>
      );
    }
    case 'risk_reviewed':
      return (
        <>
          {translate(`cf.risk.review.decisions.${e.decision}`, { _: e.decision })} · {e.by === 'deadline' ? translate('cf.risk.review.by_deadline') : e.note}
        </>
      );
    case 'codes_allocated':
    case 'delivered':
      return <>{translate('cf.events.detail.units', { smart_count: e.units })}</>;
    case 'settled':
      return (
        <>
          {translate('cf.dashboard.revenue')} <Money minor={e.revenue} currency={e.currency ?? currency} /> · {translate('cf.dashboard.profit')}{' '}
          <Money minor={e.grossProfit} currency={e.currency ?? currency} />
        </>
      );
    case 'webhook_delivered':
      return (
        <>
          HTTP {e.httpStatus} · {translate('cf.events.detail.attempts', { smart_count: e.attempts })}
        </>
      );
    case 'webhook_failed':
      return <>{translate('cf.events.detail.attempts', { smart_count: e.attempts })}</>;
    case 'webhook_resent':
      return (
        <>
          {translate(`cf.status.${e.outcome === 'sent' ? 'succeeded' : 'failed'}`)}
          {e.httpStatus ? ` · HTTP ${e.httpStatus}` : ''}
          {e.error ? ` · ${e.error}` : ''}
          {by}
        </>
      );
    case 'cancelled':
    case 'failed':
      return (
        <>
          {words.orderReason(e.reasonCode ?? null, e.reason ?? null)}
          {e.releasedUnits ? ` · ${translate('cf.events.detail.units', { smart_count: e.releasedUnits })} ${translate('cf.status.released')}` : ''}
        </>
      );
    case 'refunded':
      return (
        <>
          <Money minor={e.amount} currency={e.currency ?? currency} /> · {e.units ? `${translate('cf.events.detail.units', { smart_count: e.units })} · ` : ''}
          {e.reason}
          {by}
        </>
      );
    case 'retried':
      return (
        <>
          {words.orderReason(e.previousReasonCode ?? null, e.previousReason ?? null) ?? ''}
          {by}
        </>
      );
    case 'stock_short_using_supplier':
    case 'manual_fulfilled':
      return (
        <>
          {e.sku ? `${e.sku} · ` : ''}
          {translate('cf.events.detail.units', { smart_count: e.units })}
          {by}
        </>
      );
    case 'manual_fulfilment_escalated':
      return <>{translate('cf.events.detail.cancel_at', { at: formatWhen(e.cancelAt, locale) })}</>;
    case 'supplier_processing':
      return <>{translate('cf.events.detail.reference', { reference: e.reference })}</>;
    case 'supplier_purchased':
      return (
        <>
          {translate('cf.events.detail.reference', { reference: e.reference })} · <Money minor={e.unitCost} currency={currency} />
          {e.note ? ` · ${e.note}` : ''}
        </>
      );
    case 'supplier_purchase_failed':
      return (
        <>
          {translate('cf.events.detail.reference', { reference: e.reference })} · {e.message ?? e.code}
        </>
      );
    case 'needs_attention':
      return (
        <>
          {attentionReason({ code: e.code ?? '', params: e.params ?? {} })} · {t13('at_step', { step: translate(`cf.workflow.step.${e.step}`, { _: e.step ?? '' }) })}
        </>
      );
    case 'attention_resolved':
      return (
        <>
          {t13(`actions.${e.action}`, { _: e.action ?? '' })}
          {e.note ? ` · ${e.note}` : ''}
          {by}
        </>
      );
    case 'handed_to_manual':
      return <>{translate('cf.events.detail.units', { smart_count: e.units })}</>;
    case 'awaiting_manual_fulfilment':
      return null;
    case 'bulk_file_written':
    case 'bulk_file_downloaded':
      return (
        <>
          {t13('rows', { smart_count: e.rows ?? 0 })}
          {by}
        </>
      );
    case 'bulk_finished':
      return (
        <>
          {translate(`cf.bulk.statuses.${e.status}`, { _: e.status ?? '' })} ·{' '}
          {e.codesReturnedToStock !== undefined
            ? t13('codes_back_in_stock', { smart_count: e.codesReturnedToStock })
            : t13('bulk_finished', { delivered: e.delivered ?? 0, failed: e.failed ?? 0 })}
        </>
      );
    case 'bundle_undone':
      return (
        <>
          {t13('codes_back_in_stock', { smart_count: e.codesReturnedToStock ?? 0 })} · {t13('codes_voided', { smart_count: e.codesVoided ?? 0 })}
          {e.writtenOff ? (
            <>
              {' · '}
              {t13('written_off')} <Money minor={e.writtenOff} currency={currency} />
            </>
          ) : null}
          {e.topUpsToRefund?.length ? ` · ${t13('top_ups_to_refund', { smart_count: e.topUpsToRefund.length })}` : ''}
        </>
      );
    case 'delivery_link_issued':
      return (
        <>
          {t13(`issued_for.${e.issuedFor}`, { _: e.issuedFor ?? '' })} · {t13('valid_until', { at: formatWhen(e.expiresAt, locale) })}
        </>
      );
    case 'gift_scheduled':
      return (
        <>
          {channel} · {t13('deliver_at', { at: formatWhen(e.deliverAt, locale) })}
        </>
      );
    case 'gift_sent':
      return (
        <>
          {channel} · {t13('codes_in_email', { smart_count: e.codesInEmail ?? 0 })}
        </>
      );
    case 'lookup_code_sent':
      return <>{channel}</>;
    default:
      return <>{readable(event)}</>;
  }
}

function readable(event: Event): string {
  return Object.entries(event)
    .filter(([k]) => !['id', 'type', 'at'].includes(k))
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? Object.values(v).join(', ') : String(v)}`)
    .join(' · ');
}

export function Timeline({ order }: { order: ConsoleOrder }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  return (
    <Box component="ol" sx={{ listStyle: 'none', m: 0, p: 0 }} data-testid="timeline">
      {order.timeline.map((event) => (
        <Box
          component="li"
          key={event.id}
          sx={{ display: 'flex', gap: 2, py: 1, borderLeft: 2, borderColor: event.type === 'failed' ? 'error.main' : 'primary.light', pl: 2, ml: 1 }}
        >
          <Box sx={{ minWidth: 170 }}>
            <Typography variant="body2" fontWeight={500} data-testid={`event-${event.type}`}>
              {translate(`cf.events.${event.type}`, { _: event.type })}
            </Typography>
            <Typography variant="caption" color="text.secondary">
              {formatWhen(event.at, locale)}
            </Typography>
          </Box>
          <Typography variant="body2" color="text.secondary" sx={{ pt: 0.2 }}>
            <Detail event={event} currency={order.currency} />
          </Typography>
        </Box>
      ))}
    </Box>
  );
}
