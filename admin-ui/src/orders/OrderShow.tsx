import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  CardHeader,
  Chip,
  Divider,
  Grid,
  LinearProgress,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Show, useDataProvider, useRecordContext, useTranslate, type RaRecord } from 'react-admin';
import { Link } from 'react-router-dom';
import { useAttentionReason } from '../attention';
import { useReasonWords } from './reasons';
import { RevealCodeButton } from '../components/RevealCode';
import { detailLine } from '../components/details';
import { formatWhen, Money, shownOrderStatus, StatusChip, useIntlLocale } from '../components/fields';
import type { CardflowDataProvider } from '../providers/dataProvider';
import { OrderActions } from './OrderActions';
import { RiskPanel } from './RiskPanel';
import { Timeline } from './Timeline';
import type { ConsoleOrder } from './types';
import { LoadFailed } from '../components/LoadFailed';

// One order, everything support needs in one place: where it stands (status, live workflow),
// what it holds (items, units, masked codes), what happened (timeline), the money, and the
// webhooks. Actions sit in the toolbar, by role and by state.

// An order still on its way (e.g. just fulfilled by hand) is re-read until it settles.
const LIVE = new Set(['accepted', 'processing']);
const followLiveOrder = (query: { state: { data?: RaRecord } }) => (LIVE.has(String(query.state.data?.status ?? '')) ? 3000 : false);

export function OrderShow() {
  return (
    <Show error={<LoadFailed />} actions={<OrderActions />} component="div" queryOptions={{ refetchInterval: followLiveOrder }}>
      <OrderDetail />
    </Show>
  );
}

function Section({ title, children, action }: { title: string; children: React.ReactNode; action?: React.ReactNode }) {
  return (
    <Card sx={{ height: '100%' }}>
      <CardHeader title={title} titleTypographyProps={{ variant: 'subtitle1', fontWeight: 500 }} action={action} />
      <CardContent sx={{ pt: 0 }}>{children}</CardContent>
    </Card>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Box sx={{ display: 'flex', py: 0.5, gap: 2 }}>
      <Typography variant="body2" color="text.secondary" sx={{ minWidth: 150 }}>
        {label}
      </Typography>
      <Typography variant="body2" component="div" sx={{ wordBreak: 'break-word' }}>
        {children}
      </Typography>
    </Box>
  );
}

function OrderDetail() {
  const order = useRecordContext<ConsoleOrder>();
  const translate = useTranslate();
  const attentionReason = useAttentionReason();
  const words = useReasonWords();
  const locale = useIntlLocale();
  // Coming from the list, react-admin shows the list's row until the full order arrives.
  if (!order?.timeline) return <LinearProgress sx={{ mt: 2 }} />;
  const f = (field: string) => translate(`resources.orders.fields.${field}`);
  const buyer = Object.entries(order.buyer ?? {});
  return (
    <Grid container spacing={2} sx={{ mt: 0 }}>
      <Grid size={{ xs: 12, md: 7 }}>
        <Section title={translate('cf.order.summary')}>
          <Stack direction="row" spacing={1} alignItems="center" sx={{ mb: 1 }}>
            <Typography variant="h6" data-testid="order-ref">
              {order.externalRef}
            </Typography>
            <span data-testid="order-status">
              <StatusChip value={shownOrderStatus(order.status, order.manualTask?.status === 'open' || order.manualTask?.status === 'escalated')} />
            </span>
          </Stack>
          {order.attention ? (
            <Alert severity="warning" sx={{ mb: 1 }} data-testid="order-attention">
              {translate('cf.order.attention', {
                step: translate(`cf.workflow.step.${order.attention.step}`, { _: order.attention.step }),
                reason: attentionReason(order.attention),
              })}
            </Alert>
          ) : (
            order.reason && (
              <Alert severity={order.status === 'failed' ? 'error' : 'info'} sx={{ mb: 1 }} data-testid="order-reason">
                {words.orderReason(order.reasonCode, order.reason)}
              </Alert>
            )
          )}
          <ManualTaskNotice order={order} />
          <Row label={f('id')}>
            <code>{order.id}</code>
          </Row>
          <Row label={f('storefrontName')}>
            <Link to={`/storefronts/${order.storefront.id}/show`}>{order.storefront.name}</Link>
          </Row>
          <Row label={f('totalAmount')}>
            <Money minor={order.totalAmount} currency={order.currency} />
          </Row>
          <Row label={f('createdAt')}>{formatWhen(order.createdAt, locale)}</Row>
          <Row label={f('deliveredAt')}>{formatWhen(order.deliveredAt, locale)}</Row>
          <Row label={f('buyer')}>{buyer.length ? detailLine(Object.fromEntries(buyer), locale, translate) : translate('cf.order.buyer_none')}</Row>
          <Row label={f('riskDecision')}>{order.risk ? <StatusChip value={order.risk.decision} /> : '—'}</Row>
        </Section>
      </Grid>
      <Grid size={{ xs: 12, md: 5 }}>
        <WorkflowPanel orderId={order.id} />
      </Grid>
      <Grid size={{ xs: 12 }}>
        <RiskPanel order={order} />
      </Grid>

      <Grid size={{ xs: 12 }}>
        <Section title={translate('cf.order.items')}>
          <Table size="small" data-testid="order-units">
            <TableHead>
              <TableRow>
                <TableCell>{translate('resources.skus.fields.code')}</TableCell>
                <TableCell>{translate('resources.codes.fields.mask')}</TableCell>
                <TableCell>{translate('resources.codes.fields.status')}</TableCell>
                <TableCell>{translate('resources.codes.fields.expiresAt')}</TableCell>
                <TableCell align="right" />
              </TableRow>
            </TableHead>
            <TableBody>
              {order.items.flatMap((item) =>
                item.units.map((unit) => (
                  <TableRow key={unit.id}>
                    <TableCell>
                      <Typography variant="body2">{item.sku}</Typography>
                      <Typography variant="caption" color="text.secondary">
                        {translate('cf.order.unit', { seq: unit.seq })} · <Money minor={item.unitPrice} currency={order.currency} />
                        {item.account && ` · ${translate('cf.order.account', { account: item.account })}`}
                      </Typography>
                    </TableCell>
                    <TableCell>
                      <UnitGoods unit={unit} />
                    </TableCell>
                    <TableCell>
                      <Stack direction="row" spacing={0.5}>
                        <StatusChip value={unit.status} />
                        {unit.code?.status === 'voided' && <StatusChip value="voided" />}
                      </Stack>
                    </TableCell>
                    <TableCell>{formatWhen(unit.code?.expiresAt, locale)}</TableCell>
                    <TableCell align="right">{unit.code && <RevealCodeButton codeId={unit.code.id} />}</TableCell>
                  </TableRow>
                )),
              )}
            </TableBody>
          </Table>
        </Section>
      </Grid>

      <Grid size={{ xs: 12, md: 7 }}>
        <Section title={translate('cf.order.timeline')}>
          <Timeline order={order} />
        </Section>
      </Grid>
      <Grid size={{ xs: 12, md: 5 }}>
        <Stack spacing={2}>
          <Section title={translate('cf.order.money')}>
            {order.settlement ? (
              <Typography variant="body2">
                {translate('cf.dashboard.revenue')} <Money minor={order.settlement.revenue} currency={order.currency} /> · {translate('cf.order.cost')}{' '}
                <Money minor={order.settlement.cost} currency={order.currency} /> · {translate('cf.dashboard.profit')}{' '}
                <Money minor={order.settlement.grossProfit} currency={order.currency} />
              </Typography>
            ) : (
              <Typography variant="body2" color="text.secondary">
                {translate('cf.order.not_settled')}
              </Typography>
            )}
            {order.refund && (
              <Alert severity="warning" sx={{ mt: 1 }} data-testid="refund-summary">
                {translate('cf.order.refund', { by: order.refund.by.replace(/^user:/, ''), reason: order.refund.reason })} (
                <Money minor={order.refund.amount} currency={order.currency} />)
              </Alert>
            )}
          </Section>
          <Section title={translate('cf.order.webhooks')}>
            {order.webhookAttempts.length === 0 ? (
              <Typography variant="body2" color="text.secondary">
                {translate('cf.order.no_webhooks')}
              </Typography>
            ) : (
              <Table size="small">
                <TableBody>
                  {order.webhookAttempts.map((a) => (
                    <TableRow key={a.id}>
                      <TableCell>{formatWhen(a.at, locale)}</TableCell>
                      <TableCell>
                        <StatusChip value={a.outcome} />
                      </TableCell>
                      <TableCell>{a.httpStatus ? `HTTP ${a.httpStatus}` : (a.error ?? '')}</TableCell>
                      <TableCell align="right">{a.durationMs} ms</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </Section>
        </Stack>
      </Grid>
    </Grid>
  );
}

type Unit = ConsoleOrder['items'][number]['units'][number];

/** What the unit got: a masked code, a top-up receipt, or nothing yet (and why). */
function UnitGoods({ unit }: { unit: Unit }) {
  const translate = useTranslate();
  if (unit.code) return <code data-testid="unit-code-mask">{unit.code.mask}</code>;
  if (unit.receipt) {
    return (
      <Box data-testid="unit-receipt">
        <Typography variant="body2">{translate('cf.order.receipt', { receipt: unit.receipt.receipt })}</Typography>
        <Typography variant="caption" color="text.secondary">
          {translate('cf.order.account', { account: unit.receipt.account })}
          {unit.receipt.enteredBy && ` · ${translate('cf.order.entered_by', { by: unit.receipt.enteredBy.replace(/^user:/, '') })}`}
        </Typography>
      </Box>
    );
  }
  return (
    <Typography variant="body2" color="text.secondary">
      {translate(unit.source === 'manual' && unit.status === 'pending' ? 'cf.manual.waiting' : 'cf.order.no_code')}
    </Typography>
  );
}

/** An order that waits on a person says so, with its deadlines; one fulfilled by hand says by whom. */
function ManualTaskNotice({ order }: { order: ConsoleOrder }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const task = order.manualTask;
  if (!task) return null;
  if (task.status === 'done') {
    return task.doneBy ? (
      <Alert severity="success" sx={{ mb: 1 }} data-testid="manual-task">
        {translate('cf.manual.done_by', { by: task.doneBy.replace(/^user:/, '') })}
      </Alert>
    ) : null;
  }
  if (task.status !== 'open' && task.status !== 'escalated') return null;
  return (
    <Alert severity={task.status === 'escalated' ? 'error' : 'warning'} sx={{ mb: 1 }} data-testid="manual-task">
      <strong>{translate(task.status === 'escalated' ? 'cf.manual.overdue' : 'cf.manual.waiting')}</strong>
      <br />
      {translate('cf.manual.deadlines', { escalateAt: formatWhen(task.escalateAt, locale), cancelAt: formatWhen(task.cancelAt, locale) })}
    </Alert>
  );
}

/** Live from Temporal, asked separately so the page never waits on it. */
function WorkflowPanel({ orderId }: { orderId: string }) {
  const translate = useTranslate();
  const words = useReasonWords();
  const locale = useIntlLocale();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { data, isPending } = useQuery({ queryKey: ['order-workflow', orderId], queryFn: () => dataProvider.orderWorkflow(orderId), refetchInterval: 5000 });
  return (
    <Section
      title={translate('cf.order.workflow')}
      action={
        data?.url ? (
          <Button size="small" href={data.url} target="_blank" rel="noopener noreferrer" endIcon={<OpenInNewIcon />}>
            {translate('cf.order.workflow_open')}
          </Button>
        ) : undefined
      }
    >
      {isPending ? (
        <LinearProgress />
      ) : !data?.execution && !data?.state ? (
        <Typography variant="body2" color="text.secondary">
          {translate('cf.order.workflow_unavailable')}
        </Typography>
      ) : (
        <Box data-testid="workflow-panel">
          {/* The order's outcome, not the run's: a run that ended because its order failed still "completed". */}
          {data.state ? (
            <Row label={translate('cf.order.workflow_outcome')}>
              <span data-testid="workflow-outcome">
                <StatusChip value={data.state.status} />
              </span>
              {data.state.reason && (
                <Typography component="span" variant="body2" sx={{ ml: 1 }}>
                  {words.orderReason(data.state.reasonCode ?? null, data.state.reason)}
                </Typography>
              )}
            </Row>
          ) : (
            data.execution && (
              <Row label={translate('cf.order.workflow_status')}>
                <Chip size="small" label={translate(`cf.workflow.run.${data.execution.status}`, { _: data.execution.status })} variant="outlined" />
              </Row>
            )
          )}
          {data.state && (
            <>
              {data.state.step !== 'done' && (
                <Row label={translate('cf.order.workflow_waiting')}>
                  <span data-testid="workflow-waiting">{translate(`cf.workflow.step.${data.state.step}`, { _: data.state.step })}</span>
                </Row>
              )}
              {data.state.webhook && <Row label={translate('cf.order.workflow_webhook')}>{translate(`cf.workflow.webhook.${data.state.webhook}`, { _: data.state.webhook })}</Row>}
            </>
          )}
          <Divider sx={{ my: 1 }} />
          {data.execution && <Row label={translate('cf.order.workflow_started')}>{formatWhen(data.execution.startTime, locale)}</Row>}
          {data.execution?.closeTime && <Row label={translate('cf.order.workflow_closed')}>{formatWhen(data.execution.closeTime, locale)}</Row>}
        </Box>
      )}
    </Section>
  );
}
