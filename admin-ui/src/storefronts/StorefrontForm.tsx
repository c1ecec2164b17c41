import { useState } from 'react';
import { Create, Edit, SaveButton, SimpleForm, TextInput, Toolbar, required, useRedirect, useTranslate } from 'react-admin';
import { SecretDialog } from '../components/dialogs';
import { LoadFailed } from '../components/LoadFailed';

// A storefront's name and webhook endpoint. Created, it gets an API key and a webhook secret,
// shown once in a dialog before the page moves on.

function Fields() {
  return (
    <>
      <TextInput source="name" validate={required()} fullWidth />
      <TextInput source="webhookUrl" type="url" fullWidth helperText="https://shop.example.com/hooks/cardflow" />
    </>
  );
}

export function StorefrontCreate() {
  const translate = useTranslate();
  const redirect = useRedirect();
  const [created, setCreated] = useState<{ id: string; apiKey: string; webhookSecret: string }>();
  return (
    <>
      <Create mutationOptions={{ onSuccess: (data: { id: string; apiKey: string; webhookSecret: string }) => setCreated(data) }}>
        <SimpleForm>
          <Fields />
        </SimpleForm>
      </Create>
      <SecretDialog
        open={!!created}
        title={translate('cf.storefront.created')}
        intro={translate('cf.storefront.created_help')}
        secrets={[
          { label: translate('cf.storefront.api_key'), value: created?.apiKey },
          { label: translate('cf.storefront.webhook_secret'), value: created?.webhookSecret },
        ]}
        onClose={() => created && redirect('show', 'storefronts', created.id)}
      />
    </>
  );
}

export function StorefrontEdit() {
  return (
    <Edit error={<LoadFailed />} mutationMode="pessimistic" redirect="show">
      <SimpleForm
        toolbar={
          <Toolbar>
            <SaveButton />
          </Toolbar>
        }
      >
        <Fields />
      </SimpleForm>
    </Edit>
  );
}
