import { BooleanField, CreateButton, DatagridConfigurable, FunctionField, NumberField, SearchInput, SelectInput, TextField, TopToolbar, useTranslate } from 'react-admin';
import { MoneyField } from '../components/fields';
import { ConsoleList } from '../components/ConsoleList';

export const MODES = ['stock', 'supplier', 'topup', 'link', 'manual', 'bundle'];

export function ProductList() {
  const translate = useTranslate();
  return (
    <ConsoleList
      filters={[
        <SearchInput key="q" source="q" alwaysOn placeholder={translate('resources.skus.fields.q')} />,
        <SelectInput key="mode" source="fulfilmentMode" choices={MODES.map((id) => ({ id, name: translate(`cf.modes.${id}`) }))} />,
      ]}
      sort={{ field: 'code', order: 'ASC' }}
      actions={
        <TopToolbar>
          <CreateButton />
        </TopToolbar>
      }
      exporter={false}
    >
      <DatagridConfigurable rowClick="edit" bulkActionButtons={false}>
        <TextField source="code" />
        <TextField source="name" />
        <FunctionField source="fulfilmentMode" render={(r: { fulfilmentMode: string }) => translate(`cf.modes.${r.fulfilmentMode}`)} />
        <MoneyField source="faceValue" label="resources.skus.fields.faceValue" />
        <MoneyField source="price" label="resources.skus.fields.price" sortable />
        <MoneyField source="cost" label="resources.skus.fields.cost" sortable />
        <FunctionField
          source="stockAvailable"
          sortable
          textAlign="right"
          render={(r: { fulfilmentMode: string; stockAvailable: number | null }) =>
            r.stockAvailable === null ? translate(`cf.modes.${r.fulfilmentMode}`) : r.stockAvailable.toLocaleString()
          }
        />
        <NumberField source="lowStockThreshold" emptyText="—" sortable={false} />
        <BooleanField source="active" sortable={false} />
      </DatagridConfigurable>
    </ConsoleList>
  );
}
