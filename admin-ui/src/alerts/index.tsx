import CheckCircleOutlineIcon from '@mui/icons-material/CheckCircleOutline';
import NotificationsActiveIcon from '@mui/icons-material/NotificationsActive';
import {
  Alert as MuiAlert,
  Box,
  Button,
  Card,
  CardContent,
  CardHeader,
  Chip,
  LinearProgress,
  List as MuiList,
  ListItem,
  ListItemButton,
  ListItemText,
  Typography,
  useMediaQuery,
  type Theme,
} from '@mui/material';
import { BooleanInput, Datagrid, FunctionField, SelectInput, SimpleList, useGetList, useTranslate } from 'react-admin';
import { Link } from 'react-router-dom';
import { errorMessage } from '../components/dialogs';
import { formatWhen, useIntlLocale, WhenField } from '../components/fields';
import { ALERT_KINDS, ALERT_SUBJECTS, type AlertKind } from '../../../lib/alert-kinds';
import { en } from '../i18n/en';
import { formatMoney } from '../money';
import { ConsoleList } from '../components/ConsoleList';

// Alerts are for people: a supplier low on balance or not answering, an order overdue for manual
// fulfilment, a purchase taking too long or charged above its maximum. The API stores an English
// sentence; the console words each alert itself, in the reader's language, from its kind and facts.

export interface CardflowAlert {
  id: string;
  kind: string;
  subjectId: string;
  message: string;
  /** Facts of the alert's kind (lib/alert-kinds.ts); those the console words an alert with: */
  detail: Partial<{ currency: string; orderId: string; reference: string; balance: number; threshold: number; cancelAt: string }> & Record<string, unknown>;
  createdAt: string;
  resolvedAt: string | null;
  supplier: { id: string; name: string; currency: string | null } | null;
  order: { id: string; externalRef: string } | null;
  purchase: { reference: string; unitCost: number | null; maxUnitCost: number } | null;
}

const KINDS: string[] = ALERT_KINDS;
// Every kind has a name and a message in the console's words (a new kind without them fails the build).
en.cf.alerts.kinds satisfies Record<AlertKind, string>;
en.cf.alerts.messages satisfies Record<AlertKind, string>;

export function useAlertMessage() {
  const translate = useTranslate();
  const locale = useIntlLocale();
  return (a: CardflowAlert): string => {
    if (!KINDS.includes(a.kind)) return a.message;
    const currency = a.detail?.currency ?? a.supplier?.currency ?? '';
    const money = (minor: number | null | undefined) => formatMoney(minor, currency, locale) || '—';
    return translate(`cf.alerts.messages.${a.kind}`, {
      supplier: a.supplier?.name ?? '—',
      order: a.order?.externalRef ?? a.detail?.orderId ?? '—',
      reference: a.purchase?.reference ?? a.detail?.reference ?? '—',
      balance: money(a.detail?.balance),
      threshold: money(a.detail?.threshold),
      cancelAt: formatWhen(a.detail?.cancelAt, locale),
      unitCost: money(a.purchase?.unitCost),
      maxUnitCost: money(a.purchase?.maxUnitCost),
      sku: a.detail?.sku ?? '—',
    });
  };
}

/** Where to look: the supplier or the order the alert is about. */
function subjectLink(a: CardflowAlert): string | undefined {
  if (ALERT_SUBJECTS[a.kind as AlertKind] === 'supplier') return a.supplier ? `/suppliers/${a.supplier.id}/show` : undefined;
  if (ALERT_SUBJECTS[a.kind as AlertKind] === 'sku') return typeof a.detail?.sku === 'string' && a.detail.sku ? `/stock/${encodeURIComponent(a.detail.sku)}/show` : undefined;
  return a.order ? `/orders/${a.order.id}/show` : a.supplier ? `/suppliers/${a.supplier.id}/show` : undefined;
}

export function AlertKindChip({ alert }: { alert: CardflowAlert }) {
  const translate = useTranslate();
  return (
    <Chip
      size="small"
      color={alert.resolvedAt ? 'default' : 'warning'}
      variant={alert.resolvedAt ? 'outlined' : 'filled'}
      label={translate(`cf.alerts.kinds.${alert.kind}`, { _: alert.kind })}
    />
  );
}

/** An empty alert list is good news, and says so. */
function AllClear() {
  const translate = useTranslate();
  return (
    <Box sx={{ textAlign: 'center', py: 6, px: 2 }} data-testid="alerts-all-clear">
      <CheckCircleOutlineIcon color="success" sx={{ fontSize: 48 }} />
      <Typography variant="h6">{translate('cf.alerts.all_clear')}</Typography>
      <Typography color="text.secondary">{translate('cf.alerts.all_clear_help')}</Typography>
    </Box>
  );
}

function AlertList() {
  const translate = useTranslate();
  const message = useAlertMessage();
  const phone = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
  return (
    <ConsoleList
      filters={[
        // Ticked: open alerts only; unticked: all of them (not only resolved ones).
        <BooleanInput key="open" source="open" alwaysOn format={(v: unknown) => v === true} parse={(v: boolean) => (v ? true : undefined)} />,
        <SelectInput key="kind" source="kind" alwaysOn choices={KINDS.map((id) => ({ id, name: translate(`cf.alerts.kinds.${id}`) }))} />,
      ]}
      filterDefaultValues={{ open: true }}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={50}
      exporter={false}
      empty={<AllClear />}
    >
      {phone ? (
        <SimpleList<CardflowAlert>
          empty={<AllClear />}
          rowClick={(_id, _resource, record) => subjectLink(record as CardflowAlert) ?? false}
          primaryText={(a) => <AlertKindChip alert={a} />}
          secondaryText={(a) => message(a)}
          data-testid="alerts-simple-list"
        />
      ) : (
        <Datagrid bulkActionButtons={false} empty={<AllClear />} rowClick={(_id, _resource, record) => subjectLink(record as CardflowAlert) ?? false} data-testid="alerts-grid">
          <WhenField source="createdAt" />
          <FunctionField<CardflowAlert> source="kind" sortable render={(a) => <AlertKindChip alert={a} />} />
          <FunctionField<CardflowAlert> source="message" sortable={false} render={(a) => <Typography variant="body2">{message(a)}</Typography>} />
          <FunctionField<CardflowAlert> source="resolvedAt" sortable render={(a) => <ResolvedAt alert={a} />} />
        </Datagrid>
      )}
    </ConsoleList>
  );
}

function ResolvedAt({ alert }: { alert: CardflowAlert }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  return alert.resolvedAt ? <>{formatWhen(alert.resolvedAt, locale)}</> : <Chip size="small" color="warning" label={translate('cf.alerts.open')} />;
}

/** The dashboard's card: open alerts, newest first. */
export function OpenAlerts() {
  const translate = useTranslate();
  const message = useAlertMessage();
  const { data, total, isPending, error } = useGetList<CardflowAlert>('alerts', {
    filter: { open: true },
    pagination: { page: 1, perPage: 5 },
    sort: { field: 'createdAt', order: 'DESC' },
  });
  return (
    <Card sx={{ height: '100%' }} data-testid="open-alerts">
      <CardHeader
        title={translate('cf.dashboard.alerts')}
        titleTypographyProps={{ variant: 'subtitle1' }}
        action={
          <Button size="small" component={Link} to="/alerts">
            {translate('cf.alerts.all')}
          </Button>
        }
      />
      {error ? (
        <CardContent>
          <MuiAlert severity="error">{errorMessage(error)}</MuiAlert>
        </CardContent>
      ) : isPending ? (
        <LinearProgress />
      ) : !data?.length ? (
        <CardContent>
          <Typography color="text.secondary">{translate('cf.alerts.none')}</Typography>
        </CardContent>
      ) : (
        <>
          <MuiList dense>
            {data.map((a) => {
              const to = subjectLink(a);
              const text = (
                <ListItemText
                  sx={{ minWidth: 0 }}
                  primary={<AlertKindChip alert={a} />}
                  secondary={message(a)}
                  secondaryTypographyProps={{ component: 'div', sx: { mt: 0.5, overflowWrap: 'anywhere' } }}
                />
              );
              // A list holds list items; the link goes inside one.
              return (
                <ListItem key={a.id} disablePadding={!!to}>
                  {to ? (
                    <ListItemButton component={Link} to={to} sx={{ minWidth: 0 }}>
                      {text}
                    </ListItemButton>
                  ) : (
                    text
                  )}
                </ListItem>
              );
            })}
          </MuiList>
          {(total ?? 0) > data.length && (
            <Box sx={{ px: 2, pb: 1 }}>
              <Typography variant="caption" color="text.secondary">
                +{(total ?? 0) - data.length}
              </Typography>
            </Box>
          )}
        </>
      )}
    </Card>
  );
}

export const alerts = { list: AlertList, icon: NotificationsActiveIcon };
