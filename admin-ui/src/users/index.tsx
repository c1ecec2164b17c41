import { useState } from 'react';
import PeopleIcon from '@mui/icons-material/People';
import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, TextField as MuiTextField } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import {
  BooleanField,
  BooleanInput,
  Create,
  CreateButton,
  Datagrid,
  Edit,
  FunctionField,
  PasswordInput,
  SaveButton,
  SelectInput,
  SimpleForm,
  TextField,
  TextInput,
  Toolbar,
  TopToolbar,
  email,
  minLength,
  required,
  useDataProvider,
  useNotify,
  useRecordContext,
  useTranslate,
} from 'react-admin';
import { ROLES } from '../../../lib/permissions';
import { errorMessage } from '../components/dialogs';
import { WhenField } from '../components/fields';
import type { CardflowDataProvider } from '../providers/dataProvider';
import { LoadFailed } from '../components/LoadFailed';
import { ConsoleList } from '../components/ConsoleList';

// The owner's screen: who may use the console, in which role.
function useRoleChoices() {
  const translate = useTranslate();
  return ROLES.map((id) => ({ id, name: translate(`cf.roles.${id}`) }));
}

function UserList() {
  const translate = useTranslate();
  return (
    <ConsoleList
      sort={{ field: 'email', order: 'ASC' }}
      exporter={false}
      actions={
        <TopToolbar>
          <CreateButton />
        </TopToolbar>
      }
    >
      <Datagrid rowClick="edit" bulkActionButtons={false}>
        <TextField source="email" />
        <FunctionField source="role" render={(r: { role: string }) => translate(`cf.roles.${r.role}`)} />
        <BooleanField source="disabled" sortable={false} />
        <WhenField source="lastSignInAt" />
        <WhenField source="createdAt" />
      </Datagrid>
    </ConsoleList>
  );
}

function UserCreate() {
  const roles = useRoleChoices();
  return (
    <Create redirect="list">
      <SimpleForm defaultValues={{ role: 'support' }}>
        <TextInput source="email" type="email" validate={[required(), email()]} fullWidth />
        <SelectInput source="role" choices={roles} validate={required()} />
        <PasswordInput source="password" validate={[required(), minLength(10)]} autoComplete="new-password" />
      </SimpleForm>
    </Create>
  );
}

function ResetPasswordButton() {
  const translate = useTranslate();
  const notify = useNotify();
  const record = useRecordContext<{ id: string }>();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const reset = useMutation({
    mutationFn: () => dataProvider.resetPassword(record!.id, password),
    onSuccess: () => {
      setOpen(false);
      setPassword('');
      notify(translate('cf.user.password_reset'), { type: 'info' });
    },
  });
  if (!record) return null;
  return (
    <>
      <Button onClick={() => (reset.reset(), setOpen(true))}>{translate('cf.user.reset_password')}</Button>
      <Dialog open={open} onClose={() => setOpen(false)} fullWidth maxWidth="xs">
        <DialogTitle>{translate('cf.user.reset_password')}</DialogTitle>
        <DialogContent>
          <DialogContentText sx={{ mb: 2 }}>{translate('cf.user.reset_help')}</DialogContentText>
          <MuiTextField
            fullWidth
            type="password"
            autoComplete="new-password"
            label={translate('cf.user.new_password')}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={!!reset.error}
            helperText={reset.error ? errorMessage(reset.error) : undefined}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>{translate('cf.common.cancel')}</Button>
          <Button variant="contained" color="warning" disabled={password.length < 10 || reset.isPending} onClick={() => reset.mutate()}>
            {translate('cf.user.reset_password')}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

function UserEdit() {
  const roles = useRoleChoices();
  const translate = useTranslate();
  return (
    <Edit
      error={<LoadFailed />}
      mutationMode="pessimistic"
      redirect="list"
      actions={
        <TopToolbar>
          <ResetPasswordButton />
        </TopToolbar>
      }
    >
      <SimpleForm
        toolbar={
          <Toolbar>
            <SaveButton />
          </Toolbar>
        }
      >
        <TextInput source="email" disabled fullWidth />
        <SelectInput source="role" choices={roles} validate={required()} />
        <BooleanInput source="disabled" helperText={translate('cf.user.disabled_help')} />
      </SimpleForm>
    </Edit>
  );
}

export const users = { list: UserList, create: UserCreate, edit: UserEdit, icon: PeopleIcon, recordRepresentation: 'email' };
