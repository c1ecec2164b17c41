import { useState } from 'react';
import InventoryIcon from '@mui/icons-material/Inventory2';
import {
  BooleanInput,
  Create,
  Datagrid,
  DateField,
  List,
  NumberField,
  NumberInput,
  RadioButtonGroupInput,
  ReferenceInput,
  SelectInput,
  Show,
  SimpleForm,
  SimpleShowLayout,
  TextField,
  TextInput,
  FunctionField,
  required,
  useCanAccess,
  useInput,
  useNotify,
  useRecordContext,
  useRefresh,
  useTranslate,
  type RaRecord,
} from 'react-admin';
import { useWatch } from 'react-hook-form';
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack, Typography } from '@mui/material';
import { api } from '../providers/http';
import { MoneyField } from '../components/fields';
import { useReasonWords, type OrderReasonWords } from '../orders/reasons';

// Enterprise bulk orders (issue 15): placed for a bulk customer from a quantity or a CSV of
// recipients, followed while their pages are fulfilled, and handed over as one encrypted XLSX,
// downloaded once, whose password is shown once here and kept nowhere (not even in this page's
// state after the dialog closes).

function StatusField() {
  const translate = useTranslate();
  return <FunctionField source="status" render={(r: RaRecord) => translate(`cf.bulk.statuses.${r.status}`)} />;
}

const BulkOrderList = () => (
  <List sort={{ field: 'createdAt', order: 'DESC' }}>
    <Datagrid rowClick="show" bulkActionButtons={false}>
      <TextField source="externalRef" label="cf.bulk.external_ref" sortable={false} />
      <TextField source="sku" label="cf.bulk.sku" sortable={false} />
      <NumberField source="quantity" label="cf.bulk.quantity" sortable={false} />
      <NumberField source="unitsDelivered" label="cf.bulk.done" sortable={false} />
      <StatusField />
      <DateField source="createdAt" showTime />
    </Datagrid>
  </List>
);

/** A CSV of recipients: the first column of each non-empty line; a header line "recipient" is skipped. */
function parseRecipients(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.split(',')[0].replace(/^"|"$/g, '').trim())
    .filter((cell, i) => cell && !(i === 0 && /^recipients?$/i.test(cell)));
}

function RecipientsUpload() {
  const translate = useTranslate();
  const { field } = useInput({ source: 'recipients', validate: required() });
  const pick = async (file: File | undefined) => {
    if (file) field.onChange(parseRecipients(await file.text()));
  };
  const count = Array.isArray(field.value) ? field.value.length : 0;
  return (
    <Stack direction="row" spacing={2} alignItems="center" sx={{ mb: 2 }}>
      <Button variant="outlined" component="label">
        {translate('cf.bulk.recipients_csv')}
        <input hidden type="file" accept=".csv,text/csv,text/plain" onChange={(e) => void pick(e.target.files?.[0])} />
      </Button>
      {count ? <Typography>{translate('cf.bulk.recipients_count', { count })}</Typography> : null}
    </Stack>
  );
}

function UnitsInput() {
  const by = useWatch({ name: 'by' });
  return by === 'recipients' ? <RecipientsUpload /> : <NumberInput source="quantity" label="cf.bulk.quantity" min={1} max={50000} step={1} validate={required()} />;
}

const BulkOrderCreate = () => (
  <Create redirect="show" transform={({ by, quantity, recipients, ...rest }: Record<string, unknown>) => ({ ...rest, ...(by === 'recipients' ? { recipients } : { quantity }) })}>
    <SimpleForm defaultValues={{ by: 'quantity', partialAllowed: false }}>
      <ReferenceInput source="storefrontId" reference="storefronts">
        <SelectInput label="cf.bulk.storefront" optionText="name" validate={required()} />
      </ReferenceInput>
      <TextInput source="externalRef" label="cf.bulk.external_ref" validate={required()} />
      <TextInput source="sku" label="cf.bulk.sku" validate={required()} />
      <RadioButtonGroupInput
        source="by"
        label=""
        choices={[
          { id: 'quantity', name: 'cf.bulk.by_quantity' },
          { id: 'recipients', name: 'cf.bulk.by_recipients' },
        ]}
      />
      <UnitsInput />
      <BooleanInput source="partialAllowed" label="cf.bulk.partial_allowed" />
    </SimpleForm>
  </Create>
);

/** The one download: saves the file and shows its password in a dialog, once. */
function DownloadOnce() {
  const record = useRecordContext();
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const { canAccess } = useCanAccess({ resource: 'bulk-orders', action: 'download' });
  const [password, setPassword] = useState<string | null>(null);
  if (!record || !canAccess) return null;
  if (record.file?.downloadedAt) return <Typography>{`${translate('cf.bulk.downloaded')}: ${new Date(record.file.downloadedAt).toLocaleString()}`}</Typography>;
  if (!record.file?.ready) return <Typography>{translate('cf.bulk.not_ready')}</Typography>;
  const download = async () => {
    if (!window.confirm(translate('cf.bulk.download_confirm'))) return;
    try {
      const { json } = await api<{ fileName: string; password: string; content: string }>(`/admin/bulk-orders/${record.id}/file`, { method: 'POST' });
      const bytes = Uint8Array.from(atob(json.content), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = json.fileName;
      link.click();
      URL.revokeObjectURL(url);
      setPassword(json.password);
    } catch (err) {
      notify((err as Error).message, { type: 'error' });
    }
  };
  return (
    <>
      <Button variant="contained" onClick={() => void download()} data-testid="bulk-download">
        {translate('cf.bulk.download')}
      </Button>
      <Dialog
        open={password !== null}
        onClose={() => {
          setPassword(null);
          refresh();
        }}
      >
        <DialogTitle>{translate('cf.bulk.password_once')}</DialogTitle>
        <DialogContent>
          <Box component="code" data-testid="bulk-password" sx={{ fontSize: 20, userSelect: 'all' }}>
            {password}
          </Box>
        </DialogContent>
        <DialogActions>
          <Button
            onClick={() => {
              setPassword(null);
              refresh();
            }}
          >
            OK
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

function Progress() {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  const p = record.progress ?? { done: 0, inDoubt: 0, failed: 0 };
  return (
    <Alert severity={record.status === 'failed' ? 'error' : record.status === 'running' ? 'info' : 'success'}>
      {`${translate('cf.bulk.done')}: ${p.done} / ${record.quantity} · ${translate('cf.bulk.in_doubt')}: ${p.inDoubt} · ${translate('cf.bulk.failed')}: ${p.failed}`}
    </Alert>
  );
}

type Reasoned = { reason: string | null; reasonCode?: OrderReasonWords | null };

/** Why units were not had: the order's reason, then each kind of unit failure with how many units, worded from their codes. */
function WhyNotHad() {
  const record = useRecordContext<RaRecord & Reasoned & { unitFailures?: (Reasoned & { units: number })[] }>();
  const translate = useTranslate();
  const words = useReasonWords();
  if (!record?.reason && !record?.unitFailures?.length) return null;
  return (
    <Box data-testid="bulk-why" sx={{ mt: 1 }}>
      {record.reason && <Typography data-testid="bulk-reason">{words.orderReason(record.reasonCode, record.reason)}</Typography>}
      {record.unitFailures?.length ? (
        <Box component="ul" sx={{ my: 0.5, pl: 3 }} aria-label={translate('cf.bulk.unit_failures')}>
          {record.unitFailures.map((f, i) => (
            <li key={i} data-testid="bulk-unit-failure">
              {translate('cf.bulk.unit_failure', { units: f.units, reason: words.orderReason(f.reasonCode, f.reason) ?? '' })}
            </li>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}

const BulkOrderShow = () => (
  // While it runs, the page follows its progress.
  <Show queryOptions={{ refetchInterval: (q) => ((q.state.data as RaRecord | undefined)?.status === 'running' ? 3000 : false) }}>
    <SimpleShowLayout>
      <TextField source="externalRef" label="cf.bulk.external_ref" />
      <TextField source="sku" label="cf.bulk.sku" />
      <NumberField source="quantity" label="cf.bulk.quantity" />
      <StatusField />
      <FunctionField
        label="cf.bulk.progress"
        render={() => (
          <>
            <Progress />
            <WhyNotHad />
          </>
        )}
      />
      <MoneyField source="unitPrice" label="cf.bulk.unit_price" />
      <MoneyField source="totalAmount" label="cf.bulk.total" />
      <FunctionField label="" render={() => <DownloadOnce />} />
    </SimpleShowLayout>
  </Show>
);

export const bulkOrders = { list: BulkOrderList, create: BulkOrderCreate, show: BulkOrderShow, icon: InventoryIcon, recordRepresentation: 'externalRef' };
