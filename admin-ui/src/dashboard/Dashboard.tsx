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
import type { CardflowDataProvider } from '../providers/dataProvider';

// The day at a glance, in the viewer's own time zone.
export function Dashboard() {
  const translate = useTranslate();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const locale = useIntlLocale();
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const { data, isPending, error } = useQuery({ queryKey: ['dashboard', timeZone], queryFn: () => dataProvider.dashboard(timeZone), refetchInterval: 30_000 });

  const perHour = useMemo(
    () => (data?.ordersPerHour ?? []).map((h) => ({ ...h, label: new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(h.hour)) })),
    [data, locale],
  );

  if (error) return <Alert severity="error">{errorMessage(error)}</Alert>;
  const money = data?.today.money[0];
  return (
    <Box sx={{ mt: 2 }} data-testid="dashboard">
      <Title title={translate('cf.menu.dashboard')} />
      <Grid container spacing={2}>
        <Stat label={translate('cf.dashboard.orders_today')} value={data ? String(data.today.orders) : undefined} testId="stat-orders" />
        <Stat label={translate('cf.dashboard.gmv_today')} value={money ? <Money minor={money.gmv} currency={money.currency} /> : undefined} testId="stat-gmv" />
        <Stat label={translate('cf.dashboard.profit_today')} value={money ? <Money minor={money.grossProfit} currency={money.currency} /> : undefined} testId="stat-profit" />

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
            <CardHeader title={translate('cf.dashboard.waiting')} subheader={translate('cf.dashboard.waiting_help')} titleTypographyProps={{ variant: 'subtitle1' }} />
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
                    <ListItemButton component={Link} to={`/orders/${o.id}/show`} sx={{ flexWrap: 'wrap', minWidth: 0, columnGap: 1 }}>
                      <ListItemText
                        sx={{ minWidth: 0 }}
                        primary={o.externalRef}
                        secondary={o.reason ?? (o.manualCancelAt ? translate('cf.dashboard.waiting_manual', { at: formatWhen(o.manualCancelAt, locale) }) : undefined)}
                        secondaryTypographyProps={{ sx: { overflowWrap: 'anywhere' } }}
                      />
                      <StatusChip value={shownOrderStatus(o.status, !!o.manualCancelAt)} />
                    </ListItemButton>
                  </ListItem>
                ))}
              </List>
            )}
          </Card>
        </Grid>

        <Grid size={{ xs: 12, md: 8 }}>
          <Card>
            <CardHeader title={translate('cf.dashboard.top_skus')} titleTypographyProps={{ variant: 'subtitle1' }} />
            {isPending ? (
              <LinearProgress />
            ) : data.topSkus.length === 0 ? (
              <CardContent>
                <Typography color="text.secondary">{translate('cf.dashboard.no_sales')}</Typography>
              </CardContent>
            ) : (
              <Table size="small">
                <TableHead>
                  <TableRow>
                    <TableCell>{translate('resources.skus.fields.code')}</TableCell>
                    <TableCell align="right">{translate('cf.dashboard.units')}</TableCell>
                    <TableCell align="right">{translate('cf.dashboard.revenue')}</TableCell>
                    <TableCell align="right">{translate('cf.dashboard.profit')}</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {data.topSkus.map((s) => (
                    <TableRow key={s.sku}>
                      <TableCell>
                        <Typography variant="body2">{s.sku}</Typography>
                        <Typography variant="caption" color="text.secondary">
                          {s.name}
                        </Typography>
                      </TableCell>
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
            )}
          </Card>
        </Grid>

        <Grid size={{ xs: 12, md: 4 }}>
          <Card>
            <CardHeader title={translate('cf.dashboard.low_stock')} titleTypographyProps={{ variant: 'subtitle1' }} />
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
                    <ListItemButton component={Link} to={`/stock/${encodeURIComponent(s.sku)}/show`}>
                      <ListItemText primary={s.sku} secondary={s.name} />
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

function Stat({ label, value, testId }: { label: string; value: React.ReactNode | undefined; testId: string }) {
  return (
    <Grid size={{ xs: 12, sm: 4 }}>
      <Card>
        <CardContent>
          <Typography variant="body2" color="text.secondary">
            {label}
          </Typography>
          <Typography variant="h4" data-testid={testId}>
            {value ?? <Skeleton width={120} />}
          </Typography>
        </CardContent>
      </Card>
    </Grid>
  );
}
