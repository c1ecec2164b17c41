import { useState } from 'react';
import BlockIcon from '@mui/icons-material/Block';
import { Box, Button, Card, CardContent, Grid, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { Datagrid, FunctionField, ReferenceField, Show, TopToolbar, useCanAccess, useNotify, useRecordContext, useRefresh, useTranslate } from 'react-admin';
import { errorMessage, ReasonDialog } from '../components/dialogs';
import { formatWhen, Money, StatusChip, useIntlLocale, WhenField } from '../components/fields';
import { findApi } from './api';
import { ExportMenu } from './ExportMenu';
import { LoadFailed } from '../components/LoadFailed';
import { ConsoleList } from '../components/ConsoleList';
import { VoidReasonField } from '../stock/VoidReasonField';

// A batch of imported codes: where it came from, what became of its codes, the codes themselves
// (masked), and voiding or exporting the whole batch (a supplier's recall, a reconciliation).

interface Batch {
  id: string;
  sku: string;
  source: string | null;
  unitCost: number;
  currency: string;
  importedCount: number;
  duplicateCount: number;
  importedBy: string;
  createdAt: string;
  counts: { available: number; expired: number; allocated: number; voided: number };
}

function VoidBatchButton() {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const batch = useRecordContext<Batch>();
  const { canAccess } = useCanAccess({ resource: 'codes', action: 'void' });
  const [open, setOpen] = useState(false);
  const voiding = useMutation({
    mutationFn: (reason: string) => findApi.voidBatch(batch!.id, reason),
    onSuccess: (r) => {
      setOpen(false);
      notify(translate('cf.batch.voided', { voided: r.voided, skipped: r.skipped }), { type: 'info' });
      refresh();
    },
  });
  if (!batch || !canAccess || batch.counts.available + batch.counts.expired === 0) return null;
  return (
    <>
      <Button color="error" startIcon={<BlockIcon />} onClick={() => (voiding.reset(), setOpen(true))} data-testid="batch-void">
        {translate('cf.batch.void')}
      </Button>
      <ReasonDialog
        open={open}
        title={translate('cf.batch.void_title')}
        help={translate('cf.batch.void_help')}
        confirmLabel={translate('cf.batch.void')}
        danger
        busy={voiding.isPending}
        error={voiding.error ? errorMessage(voiding.error) : undefined}
        onConfirm={(reason) => voiding.mutate(reason)}
        onClose={() => setOpen(false)}
      />
    </>
  );
}

function BatchDetail() {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const batch = useRecordContext<Batch>();
  if (!batch) return null;
  const f = (field: string) => translate(`resources.batches.fields.${field}`);
  const count = (label: string, value: number | string | React.ReactNode) => (
    <Grid size={{ xs: 6, sm: 4, md: 2 }}>
      <Card>
        <CardContent>
          <Typography variant="caption" color="text.secondary">
            {label}
          </Typography>
          <Typography variant="h6">{value}</Typography>
        </CardContent>
      </Card>
    </Grid>
  );
  return (
    <Box sx={{ mt: 1 }}>
      <Typography variant="h6" sx={{ mb: 1 }} data-testid="batch-title">
        {translate('cf.batch.title', { sku: batch.sku })} · {formatWhen(batch.createdAt, locale)} · {batch.source ?? '—'} · {batch.importedBy.replace(/^user:/, '')}
      </Typography>
      <Grid container spacing={2}>
        {count(f('importedCount'), batch.importedCount)}
        {count(f('unitCost'), <Money minor={batch.unitCost} currency={batch.currency} />)}
        {count(f('counts.available'), <span data-testid="batch-available">{batch.counts.available}</span>)}
        {count(f('counts.allocated'), batch.counts.allocated)}
        {count(f('counts.voided'), <span data-testid="batch-voided">{batch.counts.voided}</span>)}
        {count(f('counts.expired'), batch.counts.expired)}
      </Grid>
      <Card sx={{ mt: 2 }}>
        <CardContent sx={{ pb: 0 }}>
          <Typography variant="subtitle1">{translate('cf.batch.codes')}</Typography>
        </CardContent>
        <ConsoleList
          resource="codes"
          title={false}
          filter={{ batchId: batch.id }}
          sort={{ field: 'createdAt', order: 'DESC' }}
          perPage={25}
          actions={false}
          disableSyncWithLocation
          exporter={false}
          sx={{ '& .RaList-content': { boxShadow: 'none' }, px: 2 }}
        >
          <Datagrid bulkActionButtons={false} rowClick={false} data-testid="batch-codes">
            <FunctionField source="mask" sortable={false} render={(r: { mask: string }) => <code>{r.mask}</code>} />
            <FunctionField source="status" label="resources.codes.fields.status" render={(r: { status: string }) => <StatusChip value={r.status} />} />
            <WhenField source="expiresAt" />
            <ReferenceField source="orderId" reference="orders" link="show" emptyText="—" sortable={false} />
            <VoidReasonField source="voidReason" sortable={false} />
          </Datagrid>
        </ConsoleList>
      </Card>
    </Box>
  );
}

function BatchActions() {
  const batch = useRecordContext<Batch>();
  return (
    <TopToolbar>
      {batch && <ExportMenu kinds={['codes']} filter={{ batchId: batch.id }} />}
      <VoidBatchButton />
    </TopToolbar>
  );
}

export function BatchShow() {
  return (
    <Show error={<LoadFailed />} actions={<BatchActions />} component="div">
      <BatchDetail />
    </Show>
  );
}
