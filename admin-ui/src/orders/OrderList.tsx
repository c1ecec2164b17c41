import { Chip, Stack, useMediaQuery, type Theme } from '@mui/material';
import {
  AutocompleteInput,
  BooleanInput,
  DatagridConfigurable,
  DateInput,
  FilterButton,
  ReferenceInput,
  SearchInput,
  SelectArrayInput,
  SelectInput,
  TextField,
  TextInput,
  TopToolbar,
  useRecordContext,
  useTranslate,
} from 'react-admin';
import { MoneyField, StatusField, WhenField } from '../components/fields';
import { OrderRefField, OrderSimpleList, OrderStatusField } from './OrderRows';
import { ORDER_STATUSES } from '../../../orders/lifecycle';
import { BulkRetryButton } from './BulkRetry';
import { BulkOrderActions } from '../find/BulkOrderActions';
import { ExportMenu } from '../find/ExportMenu';
import { CodeLookupLink } from '../find/CodeLookupLink';
import { selectableBody, selectableGridSx } from '../find/SelectableRow';
import { ConsoleList } from '../components/ConsoleList';

/** The chosen day's bounds in the user's own time zone, as the API's instants. */
const dayStart = (v: string) => (v ? new Date(`${v}T00:00:00`).toISOString() : v);
const dayEnd = (v: string) => (v ? new Date(`${v}T23:59:59.999`).toISOString() : v);
const asDay = (v: string | undefined) => (v && v.length > 10 ? localDay(new Date(v)) : v);
const localDay = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

function useFilters() {
  const translate = useTranslate();
  const statusChoices = ORDER_STATUSES.map((id) => ({ id, name: translate(`cf.status.${id}`) }));
  return [
    <SearchInput key="q" source="q" alwaysOn placeholder={translate('resources.orders.fields.q')} />,
    <SelectArrayInput key="status" source="status" choices={statusChoices} alwaysOn sx={{ minWidth: 180 }} />,
    <ReferenceInput key="storefrontId" source="storefrontId" reference="storefronts">
      <AutocompleteInput optionText="name" />
    </ReferenceInput>,
    <ReferenceInput key="sku" source="sku" reference="skus">
      <AutocompleteInput optionText="code" />
    </ReferenceInput>,
    <DateInput key="createdFrom" source="createdFrom" parse={dayStart} format={asDay} />,
    <DateInput key="createdTo" source="createdTo" parse={dayEnd} format={asDay} />,
    <TextInput key="buyer" source="buyer" label={translate('resources.orders.fields.buyer')} />,
    <SelectInput key="riskDecision" source="riskDecision" choices={['allow', 'reject', 'review'].map((id) => ({ id, name: translate(`cf.status.${id}`) }))} />,
    <BooleanInput key="storefrontNotTold" source="storefrontNotTold" />,
  ];
}

function ItemsField(_: { label?: string }) {
  const record = useRecordContext<{ items: { sku: string; quantity: number }[] }>();
  return (
    <Stack direction="row" spacing={0.5} flexWrap="wrap" useFlexGap>
      {record?.items.map((i) => (
        <Chip key={i.sku} size="small" variant="outlined" label={`${i.sku} × ${i.quantity}`} />
      ))}
    </Stack>
  );
}

function BuyerField(_: { label?: string }) {
  const record = useRecordContext<{ buyer: Record<string, string> }>();
  const b = record?.buyer ?? {};
  return <span>{b.email ?? b.phone ?? b.accountId ?? b.ip ?? '—'}</span>;
}

export function OrderList() {
  const filters = useFilters();
  const phone = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
  return (
    <ConsoleList
      filters={filters}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={25}
      actions={
        // On a phone the buttons wrap onto more lines rather than push the page sideways.
        <TopToolbar sx={{ flexWrap: 'wrap', rowGap: 0.5, maxWidth: '100%', minWidth: 0 }}>
          <FilterButton />
          <BulkRetryButton />
          <CodeLookupLink />
          <ExportMenu kinds={['orders', 'order-lines', 'refunds']} />
        </TopToolbar>
      }
    >
      {phone ? (
        <OrderSimpleList />
      ) : (
        <DatagridConfigurable
          rowClick="show"
          body={selectableBody('externalRef')}
          sx={selectableGridSx}
          bulkActionButtons={<BulkOrderActions actions={['retry', 'resend', 'refund', 'cancel']} />}
        >
          <WhenField source="createdAt" />
          <OrderRefField source="externalRef" label="resources.orders.fields.externalRef" sortable />
          <TextField source="storefrontName" sortable={false} />
          <ItemsField label="resources.orders.fields.items" />
          <BuyerField label="resources.orders.fields.buyer" />
          <MoneyField source="totalAmount" label="resources.orders.fields.totalAmount" sortable textAlign="right" />
          <StatusField source="riskDecision" label="resources.orders.fields.riskDecision" sortable={false} />
          <OrderStatusField source="status" label="resources.orders.fields.status" sortable />
        </DatagridConfigurable>
      )}
    </ConsoleList>
  );
}
