import { useState } from 'react';
import BlockIcon from '@mui/icons-material/Block';
import UploadIcon from '@mui/icons-material/Upload';
import { Box, Button, Card, CardContent, Grid, Tab, Tabs, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import {
  BooleanInput,
  Datagrid,
  FunctionField,
  NumberField,
  ReferenceField,
  SelectInput,
  Show,
  TextField,
  TopToolbar,
  useCanAccess,
  useDataProvider,
  useListContext,
  useNotify,
  useRecordContext,
  useRefresh,
  useTranslate,
  useUnselectAll,
} from 'react-admin';
import { errorMessage, ReasonDialog } from '../components/dialogs';
import { MoneyField, StatusField, WhenField } from '../components/fields';
import { RevealCodeButton } from '../components/RevealCode';
import type { CardflowDataProvider } from '../providers/dataProvider';
import { ExportMenu } from '../find/ExportMenu';
import { ImportDialog } from './ImportDialog';
import { LoadFailed } from '../components/LoadFailed';
import { ConsoleList } from '../components/ConsoleList';
import { VoidReasonField } from './VoidReasonField';

// One product's stock: the counts, the import, its batches, and its codes (masked; reveal and
// void for the roles allowed).

interface StockRecord {
  id: string;
  sku: string;
  name: string;
  currency: string;
  defaultUnitCost: number;
  codesCaseSensitive: boolean;
  stockAvailable: number;
  lowStockThreshold: number | null;
  low: boolean;
  promised: number;
  codes: { available: number; expired: number; allocated: number; voided: number };
}

function ImportButton() {
  const translate = useTranslate();
  const record = useRecordContext<StockRecord>();
  const refresh = useRefresh();
  const { canAccess } = useCanAccess({ resource: 'stock', action: 'import' });
  const [open, setOpen] = useState(false);
  if (!record || !canAccess) return null;
  return (
    <>
      <Button variant="contained" startIcon={<UploadIcon />} onClick={() => setOpen(true)} data-testid="import-open">
        {translate('cf.stock.import')}
      </Button>
      {open && (
        <ImportDialog
          open={open}
          sku={record.sku}
          currency={record.currency}
          defaultUnitCost={record.defaultUnitCost}
          codesCaseSensitive={record.codesCaseSensitive}
          onClose={(changed) => {
            setOpen(false);
            if (changed) refresh();
          }}
        />
      )}
    </>
  );
}

export function StockShow() {
  return (
    <Show
      error={<LoadFailed />}
      actions={
        <TopToolbar>
          <ImportButton />
        </TopToolbar>
      }
      component="div"
    >
      <StockDetail />
    </Show>
  );
}

function Count({ label, value, colour, testId }: { label: string; value: number; colour?: string; testId?: string }) {
  return (
    <Grid size={{ xs: 6, sm: 4, md: 2 }}>
      <Card>
        <CardContent>
          <Typography variant="caption" color="text.secondary">
            {label}
          </Typography>
          <Typography variant="h5" color={colour} data-testid={testId}>
            {value.toLocaleString()}
          </Typography>
        </CardContent>
      </Card>
    </Grid>
  );
}

function StockDetail() {
  const translate = useTranslate();
  const record = useRecordContext<StockRecord>();
  const [tab, setTab] = useState<'batches' | 'codes'>('batches');
  if (!record) return null;
  const f = (field: string) => translate(`resources.stock.fields.${field}`);
  return (
    <Box sx={{ mt: 1 }}>
      <Typography variant="h6" sx={{ mb: 1 }}>
        {record.sku} · {record.name}
      </Typography>
      <Grid container spacing={2}>
        <Count label={f('stockAvailable')} value={record.stockAvailable} colour={record.low ? 'warning.main' : undefined} testId="stock-available" />
        <Count label={f('codes.available')} value={record.codes.available} />
        <Count label={f('codes.expired')} value={record.codes.expired} colour={record.codes.expired ? 'error.main' : undefined} />
        <Count label={f('promised')} value={record.promised} />
        <Count label={f('codes.allocated')} value={record.codes.allocated} />
        <Count label={f('codes.voided')} value={record.codes.voided} />
      </Grid>
      <Card sx={{ mt: 2 }}>
        <Tabs value={tab} onChange={(_, v) => setTab(v)} sx={{ px: 2 }}>
          <Tab value="batches" label={translate('cf.stock.batches')} />
          <Tab value="codes" label={translate('cf.stock.codes')} data-testid="codes-tab" />
        </Tabs>
        {tab === 'batches' ? <Batches sku={record.sku} /> : <Codes sku={record.sku} />}
      </Card>
    </Box>
  );
}

function Batches({ sku }: { sku: string }) {
  const translate = useTranslate();
  return (
    <ConsoleList
      resource="batches"
      title={false}
      filter={{ sku }}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={10}
      actions={false}
      disableSyncWithLocation
      exporter={false}
      empty={<Empty text={translate('cf.stock.no_batches')} />}
      sx={{ '& .RaList-content': { boxShadow: 'none' } }}
    >
      <Datagrid bulkActionButtons={false} rowClick="show" data-testid="batches-grid">
        <WhenField source="createdAt" />
        <TextField source="source" emptyText="—" sortable={false} />
        <MoneyField source="unitCost" label="resources.batches.fields.unitCost" />
        <NumberField source="importedCount" />
        <NumberField source="duplicateCount" sortable={false} />
        <NumberField source="counts.available" sortable={false} />
        <NumberField source="counts.expired" sortable={false} />
        <NumberField source="counts.allocated" sortable={false} />
        <NumberField source="counts.voided" sortable={false} />
        <FunctionField source="importedBy" sortable={false} render={(r: { importedBy: string }) => r.importedBy.replace(/^user:/, '')} />
      </Datagrid>
    </ConsoleList>
  );
}

function Empty({ text }: { text: string }) {
  return (
    <Box sx={{ p: 4, textAlign: 'center' }}>
      <Typography color="text.secondary">{text}</Typography>
    </Box>
  );
}

function Codes({ sku }: { sku: string }) {
  const translate = useTranslate();
  const { canAccess: canVoid } = useCanAccess({ resource: 'codes', action: 'void' });
  return (
    <ConsoleList
      resource="codes"
      title={false}
      filter={{ sku }}
      filters={[
        <SelectInput key="status" source="status" alwaysOn choices={['available', 'allocated', 'voided'].map((id) => ({ id, name: translate(`cf.status.${id}`) }))} />,
        <BooleanInput key="expired" source="expired" alwaysOn />,
      ]}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={25}
      actions={<ExportMenu kinds={['codes']} filter={{ sku }} />}
      disableSyncWithLocation
      exporter={false}
      sx={{ '& .RaList-content': { boxShadow: 'none' }, px: 2 }}
    >
      <Datagrid bulkActionButtons={canVoid ? <VoidCodesButton /> : false} rowClick={false} data-testid="codes-grid">
        <FunctionField source="mask" sortable={false} render={(r: { mask: string }) => <code data-testid="code-mask">{r.mask}</code>} />
        <StatusField source="status" label="resources.codes.fields.status" sortable />
        <WhenField source="expiresAt" />
        <WhenField source="createdAt" />
        <ReferenceField source="orderId" reference="orders" link="show" emptyText="—" sortable={false} />
        <VoidReasonField source="voidReason" sortable={false} />
        <FunctionField render={(r: { id: string }) => <RevealCodeButton codeId={r.id} />} />
      </Datagrid>
    </ConsoleList>
  );
}

function VoidCodesButton() {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { selectedIds } = useListContext();
  const unselectAll = useUnselectAll('codes');
  const [open, setOpen] = useState(false);
  const voiding = useMutation({
    mutationFn: (reason: string) => dataProvider.voidCodes(selectedIds as string[], reason),
    onSuccess: (r) => {
      setOpen(false);
      unselectAll();
      notify(translate('cf.stock.voided', { voided: r.voided, skipped: r.skipped }), { type: 'info' });
      refresh();
    },
  });
  return (
    <>
      <Button color="error" size="small" startIcon={<BlockIcon />} onClick={() => (voiding.reset(), setOpen(true))} data-testid="void-codes">
        {translate('cf.stock.void')}
      </Button>
      <ReasonDialog
        open={open}
        title={translate('cf.stock.void_title', { smart_count: selectedIds.length })}
        help={translate('cf.stock.void_help')}
        confirmLabel={translate('cf.stock.void')}
        danger
        busy={voiding.isPending}
        error={voiding.error ? errorMessage(voiding.error) : undefined}
        onConfirm={(reason) => voiding.mutate(reason)}
        onClose={() => setOpen(false)}
      />
    </>
  );
}
