import { Chip, Divider, Stack, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import {
  BooleanInput,
  Create,
  Edit,
  NumberInput,
  SaveButton,
  SelectInput,
  SimpleForm,
  TextInput,
  Toolbar,
  required,
  useDataProvider,
  useRecordContext,
  useTranslate,
  type Validator,
} from 'react-admin';
import { useWatch } from 'react-hook-form';
import { MoneyInput } from '../components/fields';
import { CURRENCIES } from '../products/ProductForm';
import type { CardflowDataProvider } from '../providers/dataProvider';
import type { SupplierRecord } from './types';
import { LoadFailed } from '../components/LoadFailed';

// Adding and changing a supplier. Its credentials are write-only: the inputs start empty, the
// form says whether credentials are set, and they change only when both are typed. Kind and
// currency are fixed once created (routes rely on them).

// Fields that may be cleared (null means "no limit" / "no alert"); other empty fields are not sent.
const NULLABLE = new Set(['rateLimitPerSecond', 'lowBalanceThreshold']);
const READ_ONLY = new Set(['id', 'hasCredentials', 'balance', 'balanceCheckedAt', 'circuit', 'createdAt', 'credentials']);

/** The form's values as POST/PUT /admin/suppliers takes them. */
export function supplierRequest(data: Record<string, unknown>) {
  const body = Object.fromEntries(Object.entries(data).filter(([k, v]) => !READ_ONLY.has(k) && (NULLABLE.has(k) || (v !== null && v !== '' && v !== undefined))));
  const credentials = data.credentials as { partnerId?: string | null; secret?: string | null } | undefined;
  const partnerId = credentials?.partnerId?.trim();
  const secret = credentials?.secret ?? undefined;
  if (partnerId || secret) body.credentials = { partnerId, secret };
  return body;
}

/** Both credentials or neither; a new API supplier needs both. */
const credential =
  (other: 'partnerId' | 'secret', creating: boolean): Validator =>
  (value: unknown, all: { kind?: string; credentials?: Partial<Record<'partnerId' | 'secret', string>> }) => {
    const otherValue = all.credentials?.[other];
    if (value) return undefined;
    if (creating && all.kind === 'api') return 'ra.validation.required';
    return otherValue ? 'cf.supplier.credentials_both' : undefined;
  };

function CredentialsState() {
  const translate = useTranslate();
  const record = useRecordContext<SupplierRecord>();
  if (!record) return null;
  return (
    <Stack direction="row" spacing={1} alignItems="center" sx={{ mb: 1 }}>
      <Typography variant="body2" color="text.secondary">
        {translate('resources.suppliers.fields.hasCredentials')}
      </Typography>
      <Chip
        size="small"
        data-testid="credentials-state"
        color={record.hasCredentials ? 'success' : 'default'}
        label={translate(record.hasCredentials ? 'cf.supplier.credentials_set' : 'cf.supplier.credentials_not_set')}
      />
    </Stack>
  );
}

function Section({ title }: { title: string }) {
  return (
    <>
      <Divider flexItem sx={{ my: 2 }} />
      <Typography variant="subtitle1" fontWeight={500} gutterBottom>
        {title}
      </Typography>
    </>
  );
}

function Fields({ creating }: { creating: boolean }) {
  const translate = useTranslate();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const kind = useWatch({ name: 'kind' }) as SupplierRecord['kind'] | undefined;
  const { data: adapters, error: adaptersError } = useQuery({ queryKey: ['supplier-adapters'], queryFn: () => dataProvider.supplierAdapters() });
  const api = kind === 'api';
  return (
    <>
      <TextInput source="name" validate={required()} fullWidth />
      <SelectInput
        source="kind"
        choices={(['api', 'manual'] as const).map((id) => ({ id, name: translate(`cf.supplier.kinds.${id}`) }))}
        validate={required()}
        disabled={!creating}
      />
      <SelectInput source="currency" choices={CURRENCIES.map((id) => ({ id, name: id }))} validate={api ? required() : undefined} disabled={!creating} />
      <BooleanInput source="active" />
      {api && (
        <>
          <Section title={translate('cf.supplier.connection')} />
          <SelectInput
            source="adapter"
            choices={(adapters ?? []).map((id) => ({ id, name: id }))}
            validate={required()}
            // A failed load says so instead of spinning forever.
            isLoading={!adapters && !adaptersError}
            helperText={adaptersError ? translate('ra.notification.http_error') : undefined}
          />
          <TextInput source="baseUrl" type="url" validate={required()} fullWidth helperText="https://api.supplier.example.com" />
          {!creating && <CredentialsState />}
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            {translate(creating ? 'cf.supplier.credentials_new' : 'cf.supplier.credentials_keep')}
          </Typography>
          <Stack direction={{ xs: 'column', md: 'row' }} spacing={2} sx={{ width: '100%' }}>
            <TextInput source="credentials.partnerId" validate={credential('secret', creating)} autoComplete="off" helperText={false} />
            <TextInput source="credentials.secret" type="password" validate={credential('partnerId', creating)} autoComplete="new-password" helperText={false} />
          </Stack>
          <Section title={translate('cf.supplier.balance')} />
          <MoneyInput source="lowBalanceThreshold" optional />
          <Section title={translate('cf.supplier.limits')} />
          <Stack direction={{ xs: 'column', md: 'row' }} spacing={2}>
            <NumberInput source="timeoutMs" min={100} max={120_000} step={100} validate={required()} />
            <NumberInput source="rateLimitPerSecond" min={1} step={1} helperText={translate('cf.supplier.no_limit')} />
          </Stack>
          <Stack direction={{ xs: 'column', md: 'row' }} spacing={2}>
            <NumberInput source="circuitFailureThreshold" min={1} step={1} validate={required()} />
            <NumberInput source="circuitCooldownSeconds" min={1} step={1} validate={required()} />
          </Stack>
        </>
      )}
    </>
  );
}

export function SupplierCreate() {
  return (
    <Create redirect="show" transform={supplierRequest}>
      <SimpleForm defaultValues={{ kind: 'api', active: true, timeoutMs: 10_000, circuitFailureThreshold: 5, circuitCooldownSeconds: 30 }}>
        <Fields creating />
      </SimpleForm>
    </Create>
  );
}

export function SupplierEdit() {
  return (
    <Edit error={<LoadFailed />} mutationMode="pessimistic" redirect="show" transform={supplierRequest}>
      <SimpleForm
        toolbar={
          <Toolbar>
            <SaveButton />
          </Toolbar>
        }
      >
        <Fields creating={false} />
      </SimpleForm>
    </Edit>
  );
}
