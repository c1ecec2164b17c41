import GppMaybeIcon from '@mui/icons-material/GppMaybe';
import { Button, Grid, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { Link } from 'react-router-dom';
import { StatusChip } from '../components/fields';
import { Panel, ReasonList, RelativeTime, Row } from '../risk/shared';
import { useReasonWords } from './reasons';
import type { ConsoleOrder } from './types';

// Why the risk check let an order through, held it or rejected it, for every order; for a held
// one, where its review stands. Approve and reject are order actions in the toolbar.
export function RiskPanel({ order }: { order: ConsoleOrder }) {
  const translate = useTranslate();
  const words = useReasonWords();
  const { risk, review } = order;
  const decidedBy = review?.decidedBy
    ? translate('cf.risk.review.by_reviewer', { by: review.decidedBy })
    : review?.status === 'expired'
      ? translate('cf.risk.review.by_deadline')
      : review?.status === 'withdrawn'
        ? translate('cf.risk.review.by_storefront')
        : '';
  return (
    <Panel
      title={translate('cf.risk.panel.title')}
      testId="risk-panel"
      action={
        review ? (
          <Button size="small" component={Link} to={`/reviews/${order.id}/show`} startIcon={<GppMaybeIcon />}>
            {translate('resources.reviews.name', { smart_count: 1 })}
          </Button>
        ) : undefined
      }
    >
      {!risk ? (
        <Typography variant="body2" color="text.secondary">
          {translate('cf.risk.panel.not_checked')}
        </Typography>
      ) : (
        <Grid container spacing={2}>
          <Grid size={{ xs: 12, md: 5 }}>
            <Row label={translate('resources.orders.fields.riskDecision')}>
              <span data-testid="risk-decision">
                <StatusChip value={risk.decision} />
              </span>
            </Row>
            <Row label={translate('cf.risk.panel.score')}>{risk.score ?? '—'}</Row>
            {risk.ruleVersion !== undefined && <Row label={translate('cf.risk.panel.rule_version')}>{translate('cf.risk.panel.version', { version: risk.ruleVersion })}</Row>}
            {review && (
              <Row label={translate('resources.reviews.fields.status')}>
                <span data-testid="risk-review-status">
                  <StatusChip value={review.status} />
                </span>{' '}
                {decidedBy}
              </Row>
            )}
            {review?.status === 'open' && (
              <Row label={translate('cf.risk.panel.deadline')}>
                <RelativeTime iso={review.deadlineAt} deadline />
              </Row>
            )}
            {review?.note && <Row label={translate('resources.reviews.fields.note')}>{review.note}</Row>}
          </Grid>
          <Grid size={{ xs: 12, md: 7 }}>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 0.5 }}>
              {translate('cf.risk.panel.reasons')}
            </Typography>
            <ReasonList reasons={words.riskReasons(risk.explained, risk.reasons)} />
          </Grid>
        </Grid>
      )}
    </Panel>
  );
}
