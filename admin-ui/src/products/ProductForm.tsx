import { Card } from '@mui/material';
import {
  ArrayInput,
  AutocompleteInput,
  BooleanInput,
  Create,
  Edit,
  NumberInput,
  ReferenceInput,
  SaveButton,
  SelectInput,
  SimpleForm,
  SimpleFormIterator,
  TextInput,
  Toolbar,
  required,
  type RaRecord,
  useTranslate,
} from 'react-admin';
import { Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { useWatch } from 'react-hook-form';
import { MoneyInput } from '../components/fields';
import { currentUser } from '../providers/authProvider';
import { MODES } from './ProductList';
import { SupplierRoutes } from './SupplierRoutes';
import { LoadFailed } from '../components/LoadFailed';

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
  if (mode === 'bundle') return <BundleSettings />;
  if (mode === 'topup' || mode === 'supplier') return <CustomAmountSettings />;
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

/** A bundle's parts, each with its quantity and share of the price, and what happens when one cannot be had. */
function BundleSettings() {
  const translate = useTranslate();
  return (
    <>
      <Typography variant="subtitle1">{translate('cf.products15.bundle')}</Typography>
      <Typography variant="body2" color="text.secondary">
        {translate('cf.products15.bundle_help')}
      </Typography>
      <SelectInput
        source="bundle.policy"
        label="cf.products15.policy"
        choices={[
          { id: 'wait', name: 'cf.products15.policy_wait' },
          { id: 'undo', name: 'cf.products15.policy_undo' },
        ]}
        validate={required()}
      />
      <ArrayInput source="bundle.components" label="cf.products15.components">
        <SimpleFormIterator inline>
          <ReferenceInput source="sku" reference="skus" filter={{ active: true }}>
            <AutocompleteInput optionText="code" label="cf.products15.component_sku" validate={required()} />
          </ReferenceInput>
          <NumberInput source="quantity" label="cf.products15.component_quantity" min={1} max={100} step={1} defaultValue={1} validate={required()} />
          <MoneyInput source="priceShare" label="cf.products15.component_share" />
        </SimpleFormIterator>
      </ArrayInput>
    </>
  );
}

/** Custom face value: the buyer's amount in a range on a step, priced and costed as rates of it. */
function CustomAmountSettings() {
  const translate = useTranslate();
  const on = useWatch({ name: 'customAmountOn' }) as boolean | undefined;
  return (
    <>
      <BooleanInput source="customAmountOn" label="cf.products15.custom" helperText="cf.products15.custom_help" />
      {on && (
        <>
          <MoneyInput source="customAmount.min" label={translate('cf.products15.custom_min')} />
          <MoneyInput source="customAmount.max" label={translate('cf.products15.custom_max')} />
          <MoneyInput source="customAmount.step" label={translate('cf.products15.custom_step')} />
          <NumberInput source="customAmount.priceRateBp" label="cf.products15.price_rate" min={0} max={100000} step={1} validate={required()} />
          <NumberInput source="customAmount.costRateBp" label="cf.products15.cost_rate" min={0} max={100000} step={1} validate={required()} />
        </>
      )}
    </>
  );
}

/** What the form sends: a bundle only for a bundle, a custom face value only when switched on. */
function toServer(data: Record<string, unknown>) {
  const { customAmountOn, ...rest } = data;
  return {
    ...rest,
    bundle: rest.fulfilmentMode === 'bundle' ? rest.bundle : null,
    customAmount: customAmountOn && (rest.fulfilmentMode === 'topup' || rest.fulfilmentMode === 'supplier') ? rest.customAmount : null,
  };
}

/** The switch shows whether the product has a custom face value. */
const fromServer = (record: RaRecord) => ({ ...record, customAmountOn: record.customAmount != null });

const NoDelete = () => (
  <Toolbar>
    <SaveButton />
  </Toolbar>
);

export function ProductCreate() {
  const { data: me } = useQuery({ queryKey: ['me'], queryFn: currentUser });
  return (
    <Create redirect="list" transform={toServer}>
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
    <Edit error={<LoadFailed />} mutationMode="pessimistic" redirect="list" component="div" transform={toServer} queryOptions={{ select: fromServer }}>
      <Card>
        <SimpleForm toolbar={<NoDelete />}>
          <Fields creating={false} />
        </SimpleForm>
      </Card>
      <SupplierRoutes />
    </Edit>
  );
}
