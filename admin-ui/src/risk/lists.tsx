import BlockIcon from '@mui/icons-material/Block';
import { Chip, Typography } from '@mui/material';
import {
  Create,
  CreateButton,
  Datagrid,
  DeleteWithConfirmButton,
  Edit,
  FunctionField,
  SaveButton,
  SearchInput,
  SelectInput,
  SimpleForm,
  TextField,
  TextInput,
  Toolbar,
  TopToolbar,
  required,
  useCanAccess,
  useRecordContext,
  useTranslate,
} from 'react-admin';
import { useWatch } from 'react-hook-form';
import { LIST_KINDS, LISTS, type ListKind } from '../../../risk/vocabulary';
import { WhenField } from '../components/fields';
import { LoadFailed } from '../components/LoadFailed';
import { ConsoleList } from '../components/ConsoleList';

// Block and allow lists: buyers (by IP, range, email, domain, phone, account, device or payment
// instrument) whose orders are always rejected, or always let through. Entries take effect for
// the next order checked; the server stores them normalised and says which values it cannot read.

interface ListEntry {
  id: string;
  list: (typeof LISTS)[number];
  kind: ListKind;
  value: string;
  reason: string | null;
  createdBy: string;
  createdAt: string;
}

function ListChip({ list }: { list: string }) {
  const translate = useTranslate();
  return <Chip size="small" color={list === 'block' ? 'error' : 'success'} label={translate(`cf.risk.lists.${list}`)} />;
}

function useChoices() {
  const translate = useTranslate();
  return {
    lists: LISTS.map((id) => ({ id, name: translate(`cf.risk.lists.${id}`) })),
    kinds: LIST_KINDS.map((id) => ({ id, name: translate(`cf.risk.lists.kinds.${id}`) })),
  };
}

function Empty() {
  const translate = useTranslate();
  return (
    <Typography color="text.secondary" sx={{ p: 3 }} data-testid="lists-empty">
      {translate('cf.risk.lists.empty')}
    </Typography>
  );
}

function DeleteEntryButton({ redirect }: { redirect: 'list' | false }) {
  const translate = useTranslate();
  const entry = useRecordContext<ListEntry>();
  const { canAccess } = useCanAccess({ resource: 'risk-lists', action: 'delete' });
  if (!entry || !canAccess) return null;
  return (
    <DeleteWithConfirmButton
      mutationMode="pessimistic"
      redirect={redirect}
      confirmTitle={translate('cf.risk.lists.delete_title', { value: entry.value })}
      confirmContent={translate('cf.risk.lists.delete_help')}
    />
  );
}

function EntryList() {
  const translate = useTranslate();
  const { lists, kinds } = useChoices();
  const { canAccess: canEdit } = useCanAccess({ resource: 'risk-lists', action: 'edit' });
  return (
    <ConsoleList
      filters={[
        <SearchInput key="q" source="q" alwaysOn placeholder={translate('resources.risk-lists.fields.q')} />,
        <SelectInput key="list" source="list" choices={lists} alwaysOn />,
        <SelectInput key="kind" source="kind" choices={kinds} alwaysOn />,
      ]}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={50}
      exporter={false}
      empty={false}
      actions={
        <TopToolbar>
          <CreateButton />
        </TopToolbar>
      }
    >
      <Datagrid rowClick={canEdit ? 'edit' : false} bulkActionButtons={false} empty={<Empty />} data-testid="lists-grid">
        <FunctionField source="list" render={(r: ListEntry) => <ListChip list={r.list} />} />
        <FunctionField source="kind" render={(r: ListEntry) => translate(`cf.risk.lists.kinds.${r.kind}`, { _: r.kind })} />
        <TextField source="value" />
        <TextField source="reason" emptyText="—" sortable={false} />
        <FunctionField source="createdBy" sortable={false} render={(r: ListEntry) => r.createdBy.replace(/^user:/, '')} />
        <WhenField source="createdAt" />
        <DeleteEntryButton redirect={false} />
      </Datagrid>
    </ConsoleList>
  );
}

function ValueInput() {
  const kind = useWatch({ name: 'kind' }) as ListKind | undefined;
  return <TextInput source="value" validate={required()} fullWidth helperText={kind ? `cf.risk.lists.value_help.${kind}` : false} />;
}

function EntryFields() {
  const { lists, kinds } = useChoices();
  const list = useWatch({ name: 'list' });
  return (
    <>
      <SelectInput source="list" choices={lists} validate={required()} helperText={list ? `cf.risk.lists.${list}_help` : false} />
      <SelectInput source="kind" choices={kinds} validate={required()} helperText={false} />
      <ValueInput />
      <TextInput source="reason" fullWidth multiline />
    </>
  );
}

/** The server owns id and who/when; only what a person typed goes back. */
const toEntryInput = (v: { list: string; kind: string; value: string; reason?: string | null }) => ({
  list: v.list,
  kind: v.kind,
  value: v.value,
  ...(v.reason ? { reason: v.reason } : {}),
});

function EntryCreate() {
  return (
    <Create redirect="list" transform={toEntryInput}>
      <SimpleForm defaultValues={{ list: 'block', kind: 'email' }}>
        <EntryFields />
      </SimpleForm>
    </Create>
  );
}

function EntryEditToolbar() {
  return (
    <Toolbar sx={{ justifyContent: 'space-between' }}>
      <SaveButton />
      <DeleteEntryButton redirect="list" />
    </Toolbar>
  );
}

function EntryEdit() {
  return (
    <Edit error={<LoadFailed />} mutationMode="pessimistic" redirect="list" transform={toEntryInput}>
      <SimpleForm toolbar={<EntryEditToolbar />}>
        <EntryFields />
      </SimpleForm>
    </Edit>
  );
}

export const riskLists = { list: EntryList, create: EntryCreate, edit: EntryEdit, icon: BlockIcon, recordRepresentation: 'value' };
