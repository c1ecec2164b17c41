import { useState } from 'react';
import BlockIcon from '@mui/icons-material/Block';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import GppMaybeIcon from '@mui/icons-material/GppMaybe';
import ReceiptIcon from '@mui/icons-material/Receipt';
import { Button, Grid, LinearProgress, Stack, Typography, useMediaQuery, type Theme } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import {
  Datagrid,
  FunctionField,
  NumberField,
  SelectInput,
  Show,
  SimpleList,
  TextField,
  TopToolbar,
  useCanAccess,
  useDataProvider,
  useListContext,
  useNotify,
  useRecordContext,
  useRefresh,
  useTranslate,
} from 'react-admin';
import { Link } from 'react-router-dom';
import { REVIEW_STATUSES } from '../../../risk/vocabulary';
import { errorMessage, ReasonDialog } from '../components/dialogs';
import { formatWhen, Money, MoneyField, StatusChip, StatusField, useIntlLocale } from '../components/fields';
import type { CardflowDataProvider } from '../providers/dataProvider';
import { BulkOrderActions } from '../find/BulkOrderActions';
import { selectableBody, selectableGridSx } from '../find/SelectableRow';
import { BlockBuyerButton, BoughtItems, BuyerHistory, NextReviewButton, type ReviewContext } from '../find/ReviewExtras';
import { BuyerSignals, BuyerSummary, Panel, ReasonList, RelativeTime, RiskFindings, Row, type RiskRecord } from './shared';
import { LoadFailed } from '../components/LoadFailed';
import { useReasonWords, type ReasonWords } from '../orders/reasons';
import { ConsoleList } from '../components/ConsoleList';

// The review queue: orders the risk check held, soonest deadline first. A reviewer reads why,
// looks at the buyer, and approves (the order is fulfilled) or rejects (it is cancelled and its
// stock released), always with a note for the next person who reads the order.

interface Review {
  id: string;
  orderId: string;
  externalRef: string;
  status: (typeof REVIEW_STATUSES)[number];
  orderStatus: string;
  score: number;
  reasons: string[];
  /** The reasons as codes, when the order's assessment has them (api/admin/risk/reviews.ts). */
  explained: ReasonWords[] | null;
  currency: string;
  totalAmount: number;
  buyer: Record<string, string>;
  openedAt: string;
  deadlineAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  note: string | null;
  risk?: RiskRecord & { review?: { by: string } };
  items?: ReviewContext['items'];
  history?: ReviewContext['history'];
  nextId?: string | null;
}

function EmptyQueue() {
  const translate = useTranslate();
  const { filterValues } = useListContext();
  return (
    <Typography color="text.secondary" sx={{ p: 3 }} data-testid="reviews-empty">
      {filterValues.status === 'open'
        ? translate('cf.risk.review.empty')
        : translate('ra.navigation.no_results', { name: translate('resources.reviews.name', { smart_count: 2 }) })}
    </Typography>
  );
}

function ReviewList() {
  const translate = useTranslate();
  const words = useReasonWords();
  const phone = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
  return (
    <ConsoleList
      filters={[<SelectInput key="status" source="status" alwaysOn choices={REVIEW_STATUSES.map((id) => ({ id, name: translate(`cf.status.${id}`) }))} />]}
      filterDefaultValues={{ status: 'open' }}
      sort={{ field: 'deadlineAt', order: 'ASC' }}
      perPage={25}
      exporter={false}
    >
      {phone ? (
        <SimpleList<Review>
          linkType="show"
          empty={<EmptyQueue />}
          primaryText={(r) => r.externalRef}
          secondaryText={(r) => <ReasonList reasons={words.riskReasons(r.explained, r.reasons)} />}
          tertiaryText={(r) => <Money minor={r.totalAmount} currency={r.currency} />}
          data-testid="reviews-simple-list"
        />
      ) : (
        <Datagrid
          rowClick="show"
          body={selectableBody('externalRef')}
          sx={selectableGridSx}
          bulkActionButtons={<BulkOrderActions actions={['approve', 'reject']} resource="reviews" />}
          empty={<EmptyQueue />}
          data-testid="reviews-grid"
        >
          <TextField source="externalRef" sortable={false} />
          <MoneyField source="totalAmount" label="resources.reviews.fields.totalAmount" sortable textAlign="right" />
          <NumberField source="score" />
          <FunctionField source="reasons" sortable={false} render={(r: Review) => <ReasonList reasons={words.riskReasons(r.explained, r.reasons)} />} />
          <FunctionField source="buyer" sortable={false} render={(r: Review) => <BuyerSummary buyer={r.buyer} />} />
          <FunctionField source="deadlineAt" render={(r: Review) => <RelativeTime iso={r.deadlineAt} deadline={r.status === 'open'} />} />
          <StatusField source="status" label="resources.reviews.fields.status" sortable />
        </Datagrid>
      )}
    </ConsoleList>
  );
}

/** Approve or reject: asks for the note and confirms in one dialog. */
export function ReviewDecisionButton({ review, decision }: { review: Pick<Review, 'id' | 'status'>; decision: 'approve' | 'reject' }) {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { canAccess } = useCanAccess({ resource: 'reviews', action: 'decide' });
  const [open, setOpen] = useState(false);
  const mutation = useMutation({
    mutationFn: (note: string) => dataProvider.decideReview(review.id, decision, note),
    onSuccess: () => {
      setOpen(false);
      notify(translate(`cf.order.actions.${decision === 'approve' ? 'approved' : 'rejected'}`), { type: 'info' });
      refresh();
    },
  });
  if (!canAccess || review.status !== 'open') return null;
  const label = translate(`cf.order.actions.${decision}`);
  return (
    <>
      <Button
        startIcon={decision === 'approve' ? <CheckCircleIcon /> : <BlockIcon />}
        color={decision === 'approve' ? 'success' : 'error'}
        onClick={() => (mutation.reset(), setOpen(true))}
        data-testid={`review-${decision}`}
      >
        {label}
      </Button>
      <ReasonDialog
        open={open}
        title={translate(`cf.order.actions.${decision}_title`)}
        help={translate(`cf.order.actions.${decision}_help`)}
        confirmLabel={label}
        danger={decision === 'reject'}
        busy={mutation.isPending}
        error={mutation.error ? errorMessage(mutation.error) : undefined}
        onConfirm={(note) => mutation.mutate(note)}
        onClose={() => setOpen(false)}
      />
    </>
  );
}

function ReviewActions() {
  const review = useRecordContext<Review>();
  const translate = useTranslate();
  const { canAccess, isPending } = useCanAccess({ resource: 'reviews', action: 'decide' });
  if (!review) return <TopToolbar />;
  return (
    <TopToolbar sx={{ alignItems: 'center' }}>
      {review.status === 'open' && !isPending && !canAccess && (
        <Typography variant="body2" color="text.secondary" data-testid="review-decide-denied">
          {translate('cf.risk.review.decide_roles')}
        </Typography>
      )}
      <Button component={Link} to={`/orders/${review.orderId}/show`} startIcon={<ReceiptIcon />}>
        {translate('cf.risk.review.open_order')}
      </Button>
      <ReviewDecisionButton review={review} decision="approve" />
      <ReviewDecisionButton review={review} decision="reject" />
      <BlockBuyerButton review={review} />
      <NextReviewButton review={review} />
    </TopToolbar>
  );
}

function Decision({ review }: { review: Review }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  if (review.status === 'open') {
    return (
      <Row label={translate('resources.reviews.fields.deadlineAt')}>
        <RelativeTime iso={review.deadlineAt} deadline /> ({formatWhen(review.deadlineAt, locale)})
        <Typography variant="caption" color="text.secondary" component="div">
          {translate('cf.risk.review.deadline_help')}
        </Typography>
      </Row>
    );
  }
  const by = review.decidedBy
    ? translate('cf.risk.review.by_reviewer', { by: review.decidedBy })
    : review.status === 'expired'
      ? translate('cf.risk.review.by_deadline')
      : review.status === 'withdrawn'
        ? translate('cf.risk.review.by_storefront')
        : '';
  return (
    <>
      <Row label={translate('resources.reviews.fields.decidedAt')}>
        {formatWhen(review.decidedAt, locale)} {by && `· ${by}`}
      </Row>
      {review.note && <Row label={translate('resources.reviews.fields.note')}>{review.note}</Row>}
    </>
  );
}

function ReviewDetail() {
  const review = useRecordContext<Review>();
  const translate = useTranslate();
  const words = useReasonWords();
  const locale = useIntlLocale();
  // Coming from the list, react-admin shows the list's row until the full review arrives.
  if (!review?.risk) return <LinearProgress sx={{ mt: 2 }} />;
  const f = (field: string) => translate(`resources.reviews.fields.${field}`);
  return (
    <Grid container spacing={2} sx={{ mt: 0 }}>
      <Grid size={{ xs: 12, md: 7 }}>
        <Panel title={translate('cf.risk.review.summary')}>
          <Stack direction="row" spacing={1} alignItems="center" sx={{ mb: 1 }}>
            <Typography variant="h6" data-testid="review-ref">
              {review.externalRef}
            </Typography>
            <span data-testid="review-status">
              <StatusChip value={review.status} />
            </span>
          </Stack>
          <Row label={f('totalAmount')}>
            <Money minor={review.totalAmount} currency={review.currency} />
          </Row>
          <Row label={f('score')}>{review.score}</Row>
          <Row label={f('orderStatus')}>
            <StatusChip value={review.orderStatus} />
          </Row>
          <Row label={f('openedAt')}>{formatWhen(review.openedAt, locale)}</Row>
          <Decision review={review} />
        </Panel>
      </Grid>
      <Grid size={{ xs: 12, md: 5 }}>
        <Panel title={translate('cf.risk.review.reasons')}>
          <ReasonList reasons={words.riskReasons(review.explained, review.reasons)} />
        </Panel>
      </Grid>
      <Grid size={{ xs: 12, md: 7 }}>
        <Panel title={translate('cf.review_flow.bought')}>
          <BoughtItems review={review} />
        </Panel>
      </Grid>
      <Grid size={{ xs: 12, md: 5 }}>
        <Panel title={translate('cf.review_flow.history')}>
          <BuyerHistory review={review} />
        </Panel>
      </Grid>
      <Grid size={{ xs: 12, md: 5 }}>
        <Panel title={translate('cf.risk.review.signals')}>
          <BuyerSignals buyer={review.buyer} />
        </Panel>
      </Grid>
      <Grid size={{ xs: 12, md: 7 }}>
        <Panel title={translate('cf.risk.review.findings')}>
          <RiskFindings risk={review.risk} />
        </Panel>
      </Grid>
    </Grid>
  );
}

function ReviewShow() {
  return (
    <Show error={<LoadFailed />} actions={<ReviewActions />} component="div">
      <ReviewDetail />
    </Show>
  );
}

export const reviews = { list: ReviewList, show: ReviewShow, icon: GppMaybeIcon, recordRepresentation: 'externalRef' };
