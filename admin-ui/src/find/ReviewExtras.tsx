import { useState } from 'react';
import BlockIcon from '@mui/icons-material/Block';
import SkipNextIcon from '@mui/icons-material/SkipNext';
import { Button, FormControlLabel, Radio, RadioGroup, Stack, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useCanAccess, useNotify, useTranslate } from 'react-admin';
import { Link, useNavigate } from 'react-router-dom';
import { errorMessage, ReasonDialog } from '../components/dialogs';
import { formatWhen, Money, StatusChip, useIntlLocale } from '../components/fields';
import { api } from '../providers/http';

// Beside a held order's reasons: what was bought, the buyer's history with this merchant, the
// next review in the queue, and adding the buyer to the block list next to rejecting.

export interface ReviewContext {
  id: string;
  buyer: Record<string, string>;
  items?: { sku: string; name: string; quantity: number; unitPrice: number }[];
  currency: string;
  history?: null | {
    orders: number;
    delivered: number;
    refunded: number;
    cancelledOrFailed: number;
    firstOrderAt: string | null;
    recent: { id: string; externalRef: string; status: string; currency: string; totalAmount: number; createdAt: string }[];
  };
  nextId?: string | null;
}

export function BoughtItems({ review }: { review: ReviewContext }) {
  return (
    <Stack spacing={0.5} data-testid="review-items">
      {(review.items ?? []).map((i) => (
        <Typography key={i.sku} variant="body2">
          {i.sku} · {i.name} × {i.quantity} (<Money minor={i.unitPrice} currency={review.currency} />)
        </Typography>
      ))}
    </Stack>
  );
}

export function BuyerHistory({ review }: { review: ReviewContext }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const h = review.history;
  if (!h || h.orders === 0)
    return (
      <Typography variant="body2" color="text.secondary" data-testid="review-history">
        {translate('cf.review_flow.history_none')}
      </Typography>
    );
  return (
    <Stack spacing={0.5} data-testid="review-history">
      <Typography variant="body2">{translate('cf.review_flow.history_counts', { ...h, first: formatWhen(h.firstOrderAt, locale) })}</Typography>
      {h.recent.map((o) => (
        <Stack key={o.id} direction="row" spacing={1} alignItems="center">
          <Link to={`/orders/${o.id}/show`}>{o.externalRef}</Link>
          <Money minor={o.totalAmount} currency={o.currency} />
          <StatusChip value={o.status} />
          <Typography variant="caption" color="text.secondary">
            {formatWhen(o.createdAt, locale)}
          </Typography>
        </Stack>
      ))}
    </Stack>
  );
}

export function NextReviewButton({ review }: { review: ReviewContext }) {
  const translate = useTranslate();
  const navigate = useNavigate();
  const notify = useNotify();
  return (
    <Button
      startIcon={<SkipNextIcon />}
      onClick={() => {
        if (review.nextId) void navigate(`/reviews/${review.nextId}/show`);
        else notify(translate('cf.review_flow.queue_done'), { type: 'info' });
      }}
      data-testid="review-next"
    >
      {translate('cf.review_flow.next')}
    </Button>
  );
}

const BLOCKABLE = [
  ['email', 'email'],
  ['phone', 'phone'],
  ['account', 'accountId'],
  ['ip', 'ip'],
  ['device', 'deviceId'],
] as const;

/** Adds one of the buyer's signals to the block list (POST /admin/risk/lists), for the roles that keep the lists. */
export function BlockBuyerButton({ review }: { review: ReviewContext }) {
  const translate = useTranslate();
  const notify = useNotify();
  const { canAccess } = useCanAccess({ resource: 'risk-lists', action: 'create' });
  const choices = BLOCKABLE.filter(([, field]) => review.buyer?.[field]);
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<string>(choices[0]?.[0] ?? 'email');
  const adding = useMutation({
    mutationFn: (reason: string) => {
      const field = BLOCKABLE.find(([k]) => k === kind)![1];
      return api('/admin/risk/lists', { method: 'POST', json: { list: 'block', kind, value: review.buyer[field], reason } });
    },
    onSuccess: () => {
      setOpen(false);
      notify(translate('cf.review_flow.blocked'), { type: 'info' });
    },
  });
  if (!canAccess || choices.length === 0) return null;
  return (
    <>
      <Button color="error" variant="outlined" startIcon={<BlockIcon />} onClick={() => (adding.reset(), setOpen(true))} data-testid="review-block">
        {translate('cf.review_flow.block')}
      </Button>
      <ReasonDialog
        open={open}
        title={translate('cf.review_flow.block_title')}
        help={translate('cf.review_flow.block_help')}
        confirmLabel={translate('cf.review_flow.block')}
        danger
        busy={adding.isPending}
        error={adding.error ? errorMessage(adding.error) : undefined}
        onConfirm={(reason) => adding.mutate(reason)}
        onClose={() => setOpen(false)}
      >
        <Typography variant="caption">{translate('cf.review_flow.block_kind')}</Typography>
        <RadioGroup value={kind} onChange={(e) => setKind(e.target.value)} sx={{ mb: 2 }}>
          {choices.map(([k, field]) => (
            <FormControlLabel key={k} value={k} control={<Radio size="small" />} label={`${k}: ${review.buyer[field]}`} />
          ))}
        </RadioGroup>
      </ReasonDialog>
    </>
  );
}
