import { BooleanInput, Create, Edit, NumberInput, SaveButton, SelectInput, SimpleForm, TextInput, Toolbar, required, useTranslate } from 'react-admin';
import { useQuery } from '@tanstack/react-query';
import { MoneyInput } from '../components/fields';
import { currentUser } from '../providers/authProvider';
import { MODES } from './ProductList';

// Creating and editing a product. Amounts are typed in major units of its currency; the code
// and currency are fixed once created (storefronts order by code, stock is costed in currency).

const CURRENCIES = ['CNY', 'HKD', 'USD', 'EUR', 'JPY', 'SGD', 'TWD', 'GBP'];

function Fields({ creating }: { creating: boolean }) {
  const translate = useTranslate();
  return (
    <>
      <TextInput source="code" validate={required()} disabled={!creating} helperText={false} />
      <TextInput source="name" validate={required()} fullWidth />
      <SelectInput source="currency" choices={CURRENCIES.map((id) => ({ id, name: id }))} disabled={!creating} validate={required()} />
      <MoneyInput source="faceValue" />
      <MoneyInput source="price" />
      <MoneyInput source="cost" />
      <SelectInput source="fulfilmentMode" choices={MODES.map((id) => ({ id, name: translate(`cf.modes.${id}`) }))} validate={required()} />
      <NumberInput source="maxPerOrder" min={1} max={1000} step={1} />
      <NumberInput source="lowStockThreshold" min={0} step={1} />
      <BooleanInput source="active" />
    </>
  );
}

const NoDelete = () => (
  <Toolbar>
    <SaveButton />
  </Toolbar>
);

export function ProductCreate() {
  const { data: me } = useQuery({ queryKey: ['me'], queryFn: currentUser });
  return (
    <Create redirect="list">
      <SimpleForm defaultValues={{ currency: me?.merchant.currency ?? 'CNY', fulfilmentMode: 'stock', active: true, lowStockThreshold: 10 }} key={me?.merchant.currency}>
        <Fields creating />
      </SimpleForm>
    </Create>
  );
}

export function ProductEdit() {
  return (
    <Edit mutationMode="pessimistic" redirect="list">
      <SimpleForm toolbar={<NoDelete />}>
        <Fields creating={false} />
      </SimpleForm>
    </Edit>
  );
}
