import { Chip } from '@mui/material';
import { BooleanInput, DatagridConfigurable, NumberField, SearchInput, TextField, useRecordContext, useTranslate } from 'react-admin';
import { ConsoleList } from '../components/ConsoleList';

// Out of stock is its own chip: nothing can be sold, which is worse than low.
function LowChip(_: { label?: string }) {
  const translate = useTranslate();
  const r = useRecordContext<{ low: boolean; stockAvailable: number }>();
  if (r?.stockAvailable === 0) return <Chip size="small" color="error" label={translate('cf.stock.out')} data-testid="out-of-stock" />;
  return r?.low ? <Chip size="small" color="warning" label={translate('cf.stock.low')} /> : null;
}

// Stock per product: what can still be promised, and the codes behind it by state.
export function StockList() {
  const translate = useTranslate();
  return (
    <ConsoleList
      filters={[<SearchInput key="q" source="q" alwaysOn placeholder={translate('resources.stock.fields.q')} />, <BooleanInput key="low" source="low" />]}
      sort={{ field: 'sku', order: 'ASC' }}
      exporter={false}
    >
      <DatagridConfigurable rowClick="show" bulkActionButtons={false}>
        <TextField source="sku" />
        <TextField source="name" sortable={false} />
        <NumberField source="stockAvailable" />
        <NumberField source="codes.available" sortable={false} />
        <NumberField source="codes.expired" sortable={false} />
        <NumberField source="promised" sortable={false} />
        <NumberField source="codes.allocated" sortable={false} />
        <NumberField source="codes.voided" sortable={false} />
        <LowChip label="resources.stock.fields.low" />
      </DatagridConfigurable>
    </ConsoleList>
  );
}
