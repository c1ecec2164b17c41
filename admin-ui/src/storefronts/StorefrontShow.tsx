import { useState } from 'react';
import KeyIcon from '@mui/icons-material/Key';
import SyncLockIcon from '@mui/icons-material/SyncLock';
import { Box, Button, Card, CardContent, CardHeader, Chip, Grid, LinearProgress, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import {
  Confirm,
  Datagrid,
  EditButton,
  FunctionField,
  SelectInput,
  Show,
  TextField,
  TopToolbar,
  useCanAccess,
  useDataProvider,
  useNotify,
  useRecordContext,
  useRefresh,
  useTranslate,
} from 'react-admin';
import { Link } from 'react-router-dom';
import { errorMessage, SecretDialog } from '../components/dialogs';
import { formatWhen, StatusField, useIntlLocale, WhenField } from '../components/fields';
import type { CardflowDataProvider } from '../providers/dataProvider';
import { DujiaoSelling } from '../connections/DujiaoSelling';
import { PrepaidBalance } from '../connections/PrepaidBalance';
import { useMerchantCurrency } from '../risk/shared';
import { LoadFailed } from '../components/LoadFailed';
import { ConsoleList } from '../components/ConsoleList';

// A storefront: its webhook endpoint and secret, its API keys (issue a new one, revoke old ones:
// a rotation that never cuts the storefront off), and the webhook attempts made to it.

interface StorefrontRecord {
  id: string;
  name: string;
  webhookUrl: string | null;
  hasWebhookSecret: boolean;
  keys: { id: string; prefix: string; createdAt: string; revokedAt: string | null }[];
}

export function StorefrontShow() {
  return (
    <Show
      error={<LoadFailed />}
      component="div"
      actions={
        <TopToolbar>
          <RotateSecretButton />
          <EditButton />
        </TopToolbar>
      }
    >
      <StorefrontDetail />
    </Show>
  );
}

function StorefrontDetail() {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const record = useRecordContext<StorefrontRecord>();
  const currency = useMerchantCurrency();
  // Coming from the list, react-admin shows the list's row until the full storefront arrives.
  if (!record?.keys) return <LinearProgress sx={{ mt: 2 }} />;
  return (
    <Grid container spacing={2} sx={{ mt: 0 }}>
      <Grid size={{ xs: 12, md: 5 }}>
        <Card sx={{ height: '100%' }}>
          <CardHeader title={record.name} />
          <CardContent sx={{ pt: 0 }}>
            <Typography variant="body2" color="text.secondary">
              {translate('resources.storefronts.fields.webhookUrl')}
            </Typography>
            <Typography variant="body2" sx={{ wordBreak: 'break-all', mb: 1 }}>
              {record.webhookUrl ?? '—'}
            </Typography>
            <Typography variant="body2" color="text.secondary">
              {translate('resources.storefronts.fields.hasWebhookSecret')}
            </Typography>
            <Typography variant="body2">{translate(record.hasWebhookSecret ? 'ra.boolean.true' : 'ra.boolean.false')}</Typography>
          </CardContent>
        </Card>
      </Grid>
      <Grid size={{ xs: 12, md: 7 }}>
        <Card sx={{ height: '100%' }}>
          <CardHeader title={translate('cf.storefront.keys')} subheader={translate('cf.storefront.issue_key_help')} action={<IssueKeyButton />} />
          {/* On a phone the keys table scrolls inside its card: with no width of its own (filling the card), it cannot widen the page. */}
          <Box sx={{ overflowX: 'auto', width: 0, minWidth: '100%' }}>
            <Table size="small" data-testid="storefront-keys">
              <TableBody>
                {record.keys.map((k) => (
                  <TableRow key={k.id}>
                    <TableCell>
                      <code>{k.prefix}…</code>
                    </TableCell>
                    <TableCell>{formatWhen(k.createdAt, locale)}</TableCell>
                    <TableCell>
                      {k.revokedAt ? (
                        translate('cf.storefront.key_revoked', { at: formatWhen(k.revokedAt, locale) })
                      ) : (
                        <Chip size="small" color="success" label={translate('cf.storefront.key_active')} />
                      )}
                    </TableCell>
                    <TableCell align="right">{!k.revokedAt && <RevokeKeyButton storefrontId={record.id} keyId={k.id} prefix={k.prefix} />}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Box>
        </Card>
      </Grid>
      <Grid size={{ xs: 12, md: 7 }}>
        <DujiaoSelling storefrontId={record.id} currency={currency} />
      </Grid>
      <Grid size={{ xs: 12, md: 5 }}>
        <PrepaidBalance storefrontId={record.id} currency={currency} />
      </Grid>
      <Grid size={{ xs: 12 }}>
        <Card>
          <CardHeader title={translate('cf.storefront.attempts')} />
          <Attempts storefrontId={record.id} />
        </Card>
      </Grid>
    </Grid>
  );
}

function Attempts({ storefrontId }: { storefrontId: string }) {
  const translate = useTranslate();
  return (
    <ConsoleList
      resource="webhook-attempts"
      title={false}
      filter={{ storefrontId }}
      filters={[<SelectInput key="outcome" source="outcome" alwaysOn choices={['succeeded', 'failed'].map((id) => ({ id, name: translate(`cf.status.${id}`) }))} />]}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={10}
      actions={false}
      disableSyncWithLocation
      exporter={false}
      empty={
        <Box sx={{ p: 3 }}>
          <Typography color="text.secondary">{translate('cf.storefront.no_attempts')}</Typography>
        </Box>
      }
      // On a phone the attempts table scrolls inside the card (no width of its own, filling it), never the page.
      sx={{ px: 2, '& .RaList-content': { boxShadow: 'none', overflowX: 'auto', width: 0, minWidth: '100%' } }}
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <WhenField source="createdAt" />
        <FunctionField
          source="externalRef"
          sortable={false}
          render={(r: { orderId: string; externalRef: string }) => <Link to={`/orders/${r.orderId}/show`}>{r.externalRef}</Link>}
        />
        <StatusField source="outcome" label="resources.webhook-attempts.fields.outcome" />
        <TextField source="httpStatus" emptyText="—" sortable={false} />
        <TextField source="error" emptyText="" sortable={false} />
        <TextField source="durationMs" sortable={false} />
        <FunctionField render={(r: { id: number; orderStatus: string }) => (r.orderStatus === 'delivered' ? <ReplayButton attemptId={r.id} /> : null)} />
      </Datagrid>
    </ConsoleList>
  );
}

function ReplayButton({ attemptId }: { attemptId: number }) {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { canAccess } = useCanAccess({ resource: 'webhook-attempts', action: 'replay' });
  const [open, setOpen] = useState(false);
  const replay = useMutation({
    mutationFn: () => dataProvider.replayWebhook(attemptId),
    onSuccess: (r) => {
      notify(r.outcome === 'sent' ? translate('cf.order.actions.resent', { status: r.httpStatus ?? '' }) : translate('cf.order.actions.resend_failed', { error: r.error ?? '' }), {
        type: r.outcome === 'sent' ? 'info' : 'warning',
      });
      refresh();
    },
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
    onSettled: () => setOpen(false),
  });
  if (!canAccess) return null;
  return (
    <>
      <Button size="small" onClick={() => setOpen(true)}>
        {translate('cf.storefront.replay')}
      </Button>
      <Confirm
        isOpen={open}
        loading={replay.isPending}
        title={translate('cf.storefront.replay')}
        content={translate('cf.storefront.replay_confirm')}
        onConfirm={() => replay.mutate()}
        onClose={() => setOpen(false)}
      />
    </>
  );
}

function IssueKeyButton() {
  const translate = useTranslate();
  const refresh = useRefresh();
  const notify = useNotify();
  const record = useRecordContext<StorefrontRecord>();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { canAccess } = useCanAccess({ resource: 'storefronts', action: 'keys' });
  const issue = useMutation({ mutationFn: () => dataProvider.issueStorefrontKey(record!.id), onError: (err) => notify(errorMessage(err), { type: 'error' }) });
  if (!canAccess || !record) return null;
  return (
    <>
      <Button startIcon={<KeyIcon />} onClick={() => issue.mutate()} disabled={issue.isPending} data-testid="issue-key">
        {translate('cf.storefront.issue_key')}
      </Button>
      <SecretDialog
        open={!!issue.data}
        title={translate('cf.storefront.issued_key')}
        secrets={[{ label: translate('cf.storefront.api_key'), value: issue.data?.apiKey }]}
        onClose={() => {
          issue.reset();
          refresh();
        }}
      />
    </>
  );
}

function RevokeKeyButton({ storefrontId, keyId, prefix }: { storefrontId: string; keyId: string; prefix: string }) {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { canAccess } = useCanAccess({ resource: 'storefronts', action: 'keys' });
  const [open, setOpen] = useState(false);
  const revoke = useMutation({
    mutationFn: () => dataProvider.revokeStorefrontKey(storefrontId, keyId),
    onSuccess: () => {
      notify(translate('cf.storefront.revoked'), { type: 'info' });
      refresh();
    },
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
    onSettled: () => setOpen(false),
  });
  if (!canAccess) return null;
  return (
    <>
      <Button size="small" color="error" onClick={() => setOpen(true)}>
        {translate('cf.storefront.revoke')}
      </Button>
      <Confirm
        isOpen={open}
        loading={revoke.isPending}
        title={translate('cf.storefront.revoke_title', { prefix })}
        content={translate('cf.storefront.revoke_help')}
        onConfirm={() => revoke.mutate()}
        onClose={() => setOpen(false)}
      />
    </>
  );
}

function RotateSecretButton() {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const record = useRecordContext<StorefrontRecord>();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { canAccess } = useCanAccess({ resource: 'storefronts', action: 'secret' });
  const [open, setOpen] = useState(false);
  const rotate = useMutation({
    mutationFn: () => dataProvider.rotateWebhookSecret(record!.id),
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
    onSettled: () => setOpen(false),
  });
  if (!canAccess || !record) return null;
  return (
    <>
      <Button startIcon={<SyncLockIcon />} onClick={() => setOpen(true)}>
        {translate('cf.storefront.rotate_secret')}
      </Button>
      <Confirm
        isOpen={open}
        loading={rotate.isPending}
        title={translate('cf.storefront.rotate_secret')}
        content={translate('cf.storefront.rotate_secret_help')}
        onConfirm={() => rotate.mutate()}
        onClose={() => setOpen(false)}
      />
      <SecretDialog
        open={!!rotate.data}
        title={translate('cf.storefront.new_secret')}
        secrets={[{ label: translate('cf.storefront.webhook_secret'), value: rotate.data?.webhookSecret }]}
        onClose={() => {
          rotate.reset();
          refresh();
        }}
      />
    </>
  );
}
