import { useMemo } from 'react';
import {
  Alert,
  Box,
  Card,
  CardContent,
  CardHeader,
  Grid,
  LinearProgress,
  List,
  ListItem,
  ListItemButton,
  ListItemText,
  Skeleton,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Title, useDataProvider, useTranslate } from 'react-admin';
import { Link } from 'react-router-dom';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { OpenAlerts } from '../alerts';
import { errorMessage } from '../components/dialogs';
import { formatWhen, Money, shownOrderStatus, StatusChip, useIntlLocale } from '../components/fields';
import type { CardflowDataProvider, Dashboard as CardflowDashboard } from '../providers/dataProvider';
import { useReasonWords } from '../orders/reasons';

// The day at a glance, in the merchant's days: each currency on its own line (never one currency
// hiding another), today against yesterday, top SKUs of every fulfilment mode ranked within their
// currency, and each list with its whole count.
// Dashboard list lines on a phone: a long reference, SKU or reason breaks inside the card, and the
// chip or stock note beside it wraps below, so the page never scrolls sideways.
// A wide table scrolls inside its card on a phone. Its width of 0 (stretched by minWidth) keeps the
// table out of the page's own width, which react-admin's layout sizes to fit its content.
const scrollsInside = { overflowX: 'auto', width: 0, minWidth: '100%' } as const;
const wrappingRow = { flexWrap: 'wrap', minWidth: 0, columnGap: 1 } as const;
const wrappingText = { minWidth: 0, '& .MuiListItemText-primary, & .MuiListItemText-secondary': { overflowWrap: 'anywhere' } } as const;

export function Dashboard() {
  const translate = useTranslate();
  const words = useReasonWords();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const locale = useIntlLocale();
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const { data, isPending, error } = useQuery({ queryKey: ['dashboard', timeZone], queryFn: () => dataProvider.dashboard(timeZone), refetchInterval: 30_000 });

  const perHour = useMemo(
    () => (data?.ordersPerHour ?? []).map((h) => ({ ...h, label: new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(h.hour)) })),
    [data, locale],
  );

  if (error) return <Alert severity="error">{errorMessage(error)}</Alert>;
  const yesterdayOf = (currency: string) => data?.yesterday.money.find((m) => m.currency === currency);
  const currencies = [...new Set((data?.topSkus ?? []).map((s) => s.currency))];
  const topByCurrency = currencies.map((c) => [c, data!.topSkus.filter((s) => s.currency === c)] as const);
  return (
    <Box sx={{ mt: 2 }} data-testid="dashboard">
      <Title title={translate('cf.menu.dashboard')} />
      <Grid container spacing={2}>
        <Stat
          label={translate('cf.dashboard.orders_today')}
          value={data ? String(data.today.orders) : undefined}
          note={data ? translate('cf.dashboard.orders_vs_yesterday', { count: data.yesterday.orders }) : undefined}
          testId="stat-orders"
        />
        <Grid size={{ xs: 12, sm: 8 }}>
          <Card>
            <CardHeader
              title={translate('cf.dashboard.by_currency', { timeZone: data?.timeZone ?? '' })}
              subheader={translate('cf.dashboard.by_currency_help')}
              titleTypographyProps={{ variant: 'subtitle1' }}
            />
            {isPending ? (
              <LinearProgress />
            ) : (
              <Box sx={scrollsInside}>
                {data.todayConverted && <ConvertedHeadline converted={data.todayConverted} />}
                <Table size="small" data-testid="money-by-currency">
                  <TableHead>
                    <TableRow>
                      <TableCell>{translate('cf.dashboard.currency')}</TableCell>
                      <TableCell align="right">{translate('cf.dashboard.orders')}</TableCell>
                      <TableCell align="right">{translate('cf.dashboard.gmv')}</TableCell>
                      <TableCell align="right">{translate('cf.dashboard.profit')}</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {data.today.money.map((m) => {
                      const y = yesterdayOf(m.currency);
                      return (
                        <TableRow key={m.currency} data-testid={`money-${m.currency}`}>
                          <TableCell>{m.currency}</TableCell>
                          <TableCell align="right">
                            <Versus today={m.orders} yesterday={y?.orders ?? 0} shown={String(m.orders)} before={String(y?.orders ?? 0)} />
                          </TableCell>
                          <TableCell align="right" data-testid={`gmv-${m.currency}`}>
                            <Versus
                              today={m.gmv}
                              yesterday={y?.gmv ?? 0}
                              shown={<Money minor={m.gmv} currency={m.currency} />}
                              before={<Money minor={y?.gmv ?? 0} currency={m.currency} />}
                            />
                          </TableCell>
                          <TableCell align="right" data-testid={`profit-${m.currency}`}>
                            <Versus
                              today={m.grossProfit}
                              yesterday={y?.grossProfit ?? 0}
                              shown={<Money minor={m.grossProfit} currency={m.currency} />}
                              before={<Money minor={y?.grossProfit ?? 0} currency={m.currency} />}
                            />
                          </TableCell>
                        </TableRow>
                      );
                    })}
                  </TableBody>
                </Table>
              </Box>
            )}
          </Card>
        </Grid>

        <Grid size={{ xs: 12, md: 8 }}>
          <Card sx={{ height: '100%' }}>
            <CardHeader title={translate('cf.dashboard.per_hour')} titleTypographyProps={{ variant: 'subtitle1' }} />
            <CardContent sx={{ height: 260 }}>
              {isPending ? (
                <Skeleton variant="rectangular" height={220} />
              ) : (
                <ResponsiveContainer width="100%" height="100%">
                  <BarChart data={perHour}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="label" interval={2} fontSize={12} />
                    <YAxis allowDecimals={false} fontSize={12} width={32} />
                    <Tooltip />
                    <Bar dataKey="orders" name={translate('resources.orders.name', { smart_count: 2 })} fill="#1f5fae" radius={[3, 3, 0, 0]} isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              )}
            </CardContent>
          </Card>
        </Grid>

        <Grid size={{ xs: 12, md: 4 }}>
          <Card sx={{ height: '100%' }}>
            <CardHeader
              title={`${translate('cf.dashboard.waiting')}${data ? ` (${data.waitingOnPerson.count})` : ''}`}
              subheader={translate('cf.dashboard.waiting_help')}
              titleTypographyProps={{ variant: 'subtitle1', 'data-testid': 'waiting-count' } as object}
            />
            {isPending ? (
              <LinearProgress />
            ) : data.waitingOnPerson.count === 0 ? (
              <CardContent>
                <Typography color="text.secondary">{translate('cf.dashboard.nothing_waiting')}</Typography>
              </CardContent>
            ) : (
              <List dense data-testid="waiting-list">
                {data.waitingOnPerson.orders.map((o) => (
                  <ListItem key={o.id} disablePadding>
                    {/* On a phone the status chip wraps below the order instead of pushing the card wider. */}
                    <ListItemButton component={Link} to={`/orders/${o.id}/show`} sx={wrappingRow}>
                      <ListItemText
                        sx={wrappingText}
                        primary={o.externalRef}
                        secondary={
                          words.orderReason(o.reasonCode, o.reason) ??
                          (o.manualCancelAt ? translate('cf.dashboard.waiting_manual', { at: formatWhen(o.manualCancelAt, locale) }) : undefined)
                        }
                      />
                      <StatusChip value={shownOrderStatus(o.status, !!o.manualCancelAt)} />
                    </ListItemButton>
                  </ListItem>
                ))}
                {data.waitingOnPerson.count > data.waitingOnPerson.orders.length && (
                  <Typography variant="caption" color="text.secondary" sx={{ px: 2 }}>
                    {translate('cf.dashboard.waiting_count', { shown: data.waitingOnPerson.orders.length, count: data.waitingOnPerson.count })}
                  </Typography>
                )}
              </List>
            )}
          </Card>
        </Grid>

        <Grid size={{ xs: 12, md: 8 }}>
          <Card data-testid="top-skus">
            <CardHeader title={translate('cf.dashboard.top_skus')} titleTypographyProps={{ variant: 'subtitle1' }} />
            {isPending ? (
              <LinearProgress />
            ) : topByCurrency.length === 0 ? (
              <CardContent>
                <Typography color="text.secondary">{translate('cf.dashboard.no_sales')}</Typography>
              </CardContent>
            ) : (
              topByCurrency.map(([currency, skus]) => (
                <Box key={currency} sx={scrollsInside}>
                  <Typography variant="subtitle2" sx={{ px: 2, pt: 1 }}>
                    {translate('cf.dashboard.top_skus_in', { currency })}
                  </Typography>
                  <Table size="small" data-testid={`top-skus-${currency}`}>
                    <TableHead>
                      <TableRow>
                        <TableCell>{translate('resources.skus.fields.code')}</TableCell>
                        <TableCell>{translate('cf.dashboard.mode')}</TableCell>
                        <TableCell align="right">{translate('cf.dashboard.units')}</TableCell>
                        <TableCell align="right">{translate('cf.dashboard.revenue')}</TableCell>
                        <TableCell align="right">{translate('cf.dashboard.profit')}</TableCell>
                      </TableRow>
                    </TableHead>
                    <TableBody>
                      {skus.map((s) => (
                        <TableRow key={`${s.sku}-${s.mode}`}>
                          <TableCell>
                            <Typography variant="body2">{s.sku}</Typography>
                            <Typography variant="caption" color="text.secondary">
                              {s.name}
                            </Typography>
                          </TableCell>
                          <TableCell>{translate(`cf.modes.${s.mode}`)}</TableCell>
                          <TableCell align="right">{s.units}</TableCell>
                          <TableCell align="right">
                            <Money minor={s.revenue} currency={s.currency} />
                          </TableCell>
                          <TableCell align="right">
                            <Money minor={s.grossProfit} currency={s.currency} />
                          </TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </Box>
              ))
            )}
          </Card>
        </Grid>

        <Grid size={{ xs: 12, md: 4 }}>
          <Card>
            <CardHeader
              title={`${translate('cf.dashboard.low_stock')}${data ? ` (${data.lowStockCount})` : ''}`}
              subheader={
                data && data.lowStockCount > data.lowStock.length
                  ? translate('cf.dashboard.low_stock_count', { shown: data.lowStock.length, count: data.lowStockCount })
                  : undefined
              }
              titleTypographyProps={{ variant: 'subtitle1' }}
            />
            {isPending ? (
              <LinearProgress />
            ) : data.lowStock.length === 0 ? (
              <CardContent>
                <Typography color="text.secondary">{translate('cf.dashboard.no_low_stock')}</Typography>
              </CardContent>
            ) : (
              <List dense>
                {data.lowStock.map((s) => (
                  <ListItem key={s.sku} disablePadding>
                    <ListItemButton component={Link} to={`/stock/${encodeURIComponent(s.sku)}/show`} sx={wrappingRow}>
                      <ListItemText sx={wrappingText} primary={s.sku} secondary={s.name} />
                      <Typography variant="body2" color="error">
                        {translate('cf.dashboard.left', { count: s.stockAvailable, threshold: s.lowStockThreshold })}
                      </Typography>
                    </ListItemButton>
                  </ListItem>
                ))}
              </List>
            )}
          </Card>
        </Grid>

        <Grid size={{ xs: 12 }}>
          <OpenAlerts />
        </Grid>
      </Grid>
    </Box>
  );
}

function Stat({ label, value, note, testId }: { label: string; value: React.ReactNode | undefined; note?: string; testId: string }) {
  return (
    <Grid size={{ xs: 12, sm: 4 }}>
      <Card sx={{ height: '100%' }}>
        <CardContent>
          <Typography variant="body2" color="text.secondary">
            {label}
          </Typography>
          <Typography variant="h4" data-testid={testId}>
            {value ?? <Skeleton width={120} />}
          </Typography>
          {note && (
            <Typography variant="body2" color="text.secondary" data-testid={`${testId}-yesterday`}>
              {note}
            </Typography>
          )}
        </CardContent>
      </Card>
    </Grid>
  );
}

/** Today's figure, with yesterday's under it and an arrow that says which way it went (in words for screen readers). */
/** Today's money as one figure in the reporting currency with the rates used, or why it is shown per currency only. */
function ConvertedHeadline({ converted }: { converted: NonNullable<CardflowDashboard['todayConverted']> }) {
  const translate = useTranslate();
  const { figure, rates, whyNot } = converted;
  return (
    <Box sx={{ px: 2, pb: 1 }} data-testid="converted-headline">
      {figure ? (
        <>
          <Typography variant="h5" component="p" data-testid="converted-gmv">
            {translate('cf.dashboard.converted.total', { currency: figure.currency })} <Money minor={figure.gmv} currency={figure.currency} />
          </Typography>
          <Typography variant="body2" color="text.secondary" data-testid="converted-profit">
            {translate('cf.dashboard.profit')} <Money minor={figure.grossProfit} currency={figure.currency} />
          </Typography>
        </>
      ) : (
        <Typography variant="body2" color="text.secondary" data-testid="converted-why-not">
          {whyNot ? translate(`cf.dashboard.converted.why_not.${whyNot.code}`, { ...whyNot.params, _: whyNot.code }) : null}
        </Typography>
      )}
      {rates.length > 0 && (
        <Typography variant="caption" color="text.secondary" component="p" data-testid="converted-rates">
          {translate('cf.dashboard.converted.rates', { rates: rates.map((r) => `1 ${r.from} = ${r.rate.replace(/\.?0+$/, '')} ${r.to}`).join(translate('cf.reasons.separator')) })}
        </Typography>
      )}
    </Box>
  );
}

function Versus({ today, yesterday, shown, before }: { today: number; yesterday: number; shown: React.ReactNode; before: React.ReactNode }) {
  const translate = useTranslate();
  const direction = today > yesterday ? 'more' : today < yesterday ? 'less' : undefined;
  return (
    <>
      <Typography variant="body2" component="div">
        {shown}
        {direction && (
          <Box component="span" sx={{ ml: 0.5, color: direction === 'more' ? 'success.dark' : 'error.dark' }} aria-label={translate(`cf.dashboard.${direction}_than_yesterday`)}>
            {direction === 'more' ? '▲' : '▼'}
          </Box>
        )}
      </Typography>
      <Typography variant="caption" color="text.secondary" component="div">
        {translate('cf.dashboard.yesterday')} {before}
      </Typography>
    </>
  );
}
