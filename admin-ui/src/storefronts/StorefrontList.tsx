import { BooleanField, CreateButton, Datagrid, NumberField, SearchInput, TextField, TopToolbar, useTranslate } from 'react-admin';
import { WhenField } from '../components/fields';
import { ConsoleList } from '../components/ConsoleList';

export function StorefrontList() {
  const translate = useTranslate();
  return (
    <ConsoleList
      filters={[<SearchInput key="q" source="q" alwaysOn placeholder={translate('resources.storefronts.fields.q')} />]}
      sort={{ field: 'name', order: 'ASC' }}
      actions={
        <TopToolbar>
          <CreateButton />
        </TopToolbar>
      }
      exporter={false}
    >
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="name" />
        <TextField source="webhookUrl" emptyText="—" sortable={false} />
        <NumberField source="activeKeys" sortable={false} />
        <BooleanField source="hasWebhookSecret" sortable={false} />
        <WhenField source="createdAt" />
      </Datagrid>
    </ConsoleList>
  );
}
