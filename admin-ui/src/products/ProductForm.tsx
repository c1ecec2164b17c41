import { Card } from '@mui/material';
import { BooleanInput, Create, Edit, NumberInput, SaveButton, SelectInput, SimpleForm, TextInput, Toolbar, required, useTranslate } from 'react-admin';
import { useQuery } from '@tanstack/react-query';
import { useWatch } from 'react-hook-form';
import { MoneyInput } from '../components/fields';
import { currentUser } from '../providers/authProvider';
import { MODES } from './ProductList';
import { SupplierRoutes } from './SupplierRoutes';

// Creating and editing a product. Amounts are typed in major units of its currency; the code
// and currency are fixed once created (storefronts order by code, stock is costed in currency).
// Each fulfilment mode shows its own settings; a product's supplier routes are edited below the
// form and saved on their own.

export const CURRENCIES = ['CNY', 'HKD', 'USD', 'EUR', 'JPY', 'SGD', 'TWD', 'GBP'];

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
      <ModeSettings />
      <BooleanInput source="codesCaseSensitive" />
      <NumberInput source="maxPerOrder" min={1} max={1000} step={1} />
      <NumberInput source="lowStockThreshold" min={0} step={1} />
      <BooleanInput source="active" />
      {/* Shown to the buyer beside the code on the delivery page, in the page's language. */}
      <TextInput source="instructions.zh" multiline minRows={2} fullWidth />
      <TextInput source="instructions.en" multiline minRows={2} fullWidth />
      <BooleanInput source="codeInEmail" />
    </>
  );
}

// Manual deadlines are stored in seconds and typed in minutes.
const asMinutes = (seconds: number | null | undefined) => (seconds == null ? '' : String(Math.round((seconds / 60) * 100) / 100));
const asSeconds = (minutes: number | string) => (minutes === '' || minutes == null ? null : Math.round(Number(minutes) * 60));

function ModeSettings() {
  const mode = useWatch({ name: 'fulfilmentMode' }) as string | undefined;
  if (mode === 'stock') return <BooleanInput source="supplierFallback" />;
  if (mode === 'manual') {
    return (
      <>
        <NumberInput source="manualEscalateAfterSeconds" format={asMinutes} parse={asSeconds} min={1} step={1} validate={required()} />
        <NumberInput source="manualCancelAfterSeconds" format={asMinutes} parse={asSeconds} min={1} step={1} validate={required()} />
      </>
    );
  }
  return null;
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
      <SimpleForm
        defaultValues={{
          currency: me?.merchant.currency ?? 'CNY',
          fulfilmentMode: 'stock',
          active: true,
          lowStockThreshold: 10,
          supplierFallback: false,
          manualEscalateAfterSeconds: 15 * 60,
          manualCancelAfterSeconds: 24 * 60 * 60,
          codesCaseSensitive: false,
          instructions: { en: '', zh: '' },
          codeInEmail: false,
        }}
        key={me?.merchant.currency}
      >
        <Fields creating />
      </SimpleForm>
    </Create>
  );
}

export function ProductEdit() {
  return (
    <Edit mutationMode="pessimistic" redirect="list" component="div">
      <Card>
        <SimpleForm toolbar={<NoDelete />}>
          <Fields creating={false} />
        </SimpleForm>
      </Card>
      <SupplierRoutes />
    </Edit>
  );
}
