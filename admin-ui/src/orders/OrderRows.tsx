import SyncProblemIcon from '@mui/icons-material/SyncProblem';
import { Box, Link as MuiLink, Stack, Tooltip } from '@mui/material';
import { SimpleList, useRecordContext, useTranslate } from 'react-admin';
import { Link } from 'react-router-dom';
import { formatWhen, Money, shownOrderStatus, StatusChip, useIntlLocale } from '../components/fields';

// Pieces of the order list: its status as a person reads it (with a mark when the storefront was
// not told), a reference that is a real link (reachable with Tab, opened with Enter), and the
// list as a phone shows it.

export interface OrderRow {
  id: string;
  externalRef: string;
  status: string;
  awaitingPerson?: boolean;
  webhookTrouble?: boolean;
  currency: string;
  totalAmount: number;
  createdAt: string;
  items: { sku: string; quantity: number }[];
  buyer: Record<string, string>;
}

/** The order's status; a processing order waiting for staff says so, and webhook trouble shows beside it. */
export function OrderStatusField(_: { label?: string; sortable?: boolean; source?: string }) {
  const record = useRecordContext<OrderRow>();
  if (!record) return null;
  return <OrderStatus order={record} />;
}

function OrderStatus({ order }: { order: OrderRow }) {
  const translate = useTranslate();
  return (
    <Stack direction="row" spacing={0.5} alignItems="center">
      <StatusChip value={shownOrderStatus(order.status, !!order.awaitingPerson)} />
      {order.webhookTrouble && (
        <Tooltip title={translate('cf.order.webhook_trouble')}>
          <SyncProblemIcon color="error" fontSize="small" aria-label={translate('cf.order.webhook_trouble')} role="img" data-testid="webhook-trouble" />
        </Tooltip>
      )}
    </Stack>
  );
}

/** The storefront's reference as a link to the order: the row's way in for a keyboard. */
export function OrderRefField(_: { label?: string; sortable?: boolean; source?: string }) {
  const record = useRecordContext<OrderRow>();
  if (!record) return null;
  return (
    <MuiLink component={Link} to={`/orders/${record.id}/show`} onClick={(e) => e.stopPropagation()} data-testid="order-row-link" sx={{ fontWeight: 500 }}>
      {record.externalRef}
    </MuiLink>
  );
}

/** On a phone: one line per order (reference, amount, status; items, buyer and time below). */
export function OrderSimpleList() {
  const locale = useIntlLocale();
  return (
    <SimpleList<OrderRow>
      linkType="show"
      primaryText={(o) => o.externalRef}
      secondaryText={(o) => (
        <Box component="span" sx={{ display: 'block', overflowWrap: 'anywhere' }}>
          {o.items.map((i) => `${i.sku} × ${i.quantity}`).join(', ')} · {o.buyer?.email ?? o.buyer?.phone ?? o.buyer?.accountId ?? '—'} · {formatWhen(o.createdAt, locale)}
        </Box>
      )}
      tertiaryText={(o) => <Money minor={o.totalAmount} currency={o.currency} />}
      rightIcon={(o) => <OrderStatus order={o} />}
      data-testid="order-simple-list"
    />
  );
}
