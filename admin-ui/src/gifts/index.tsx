import CardGiftcardIcon from '@mui/icons-material/CardGiftcard';
import { BooleanField, BooleanInput, Create, Datagrid, Edit, ImageField, List, SimpleForm, TextField, TextInput, required, useInput, useTranslate } from 'react-admin';
import { Button, Stack } from '@mui/material';

// E-gift designs: a name and a picture (an https address, or a small uploaded PNG/JPEG/WebP kept
// as a data: address; the server checks both). Buyers choose one through the storefront.

const MAX_BYTES = 256 * 1024;

function PictureUpload() {
  const translate = useTranslate();
  const { field } = useInput({ source: 'imageUrl' });
  const pick = (file: File | undefined) => {
    if (!file) return;
    if (file.size > MAX_BYTES || !['image/png', 'image/jpeg', 'image/webp'].includes(file.type)) {
      window.alert(translate('cf.gifts.upload_refused'));
      return;
    }
    const reader = new FileReader();
    reader.onload = () => field.onChange(typeof reader.result === 'string' ? reader.result : '');
    reader.readAsDataURL(file);
  };
  return (
    <Stack direction="row" spacing={2} alignItems="center" sx={{ mb: 2 }}>
      <Button variant="outlined" component="label">
        {translate('cf.gifts.upload')}
        <input hidden type="file" accept="image/png,image/jpeg,image/webp" onChange={(e) => pick(e.target.files?.[0])} />
      </Button>
      {field.value ? <img src={String(field.value)} alt="" style={{ maxWidth: 160, maxHeight: 100, borderRadius: 8 }} /> : null}
    </Stack>
  );
}

function Fields() {
  return (
    <>
      <TextInput source="name" validate={required()} />
      <TextInput source="imageUrl" validate={required()} fullWidth helperText="cf.gifts.image_help" />
      <PictureUpload />
      <BooleanInput source="active" />
    </>
  );
}

const GiftTemplateList = () => (
  <List sort={{ field: 'createdAt', order: 'ASC' }}>
    <Datagrid rowClick="edit" bulkActionButtons={false}>
      <ImageField source="imageUrl" sx={{ '& img': { maxWidth: 96, maxHeight: 60 } }} sortable={false} />
      <TextField source="name" />
      <BooleanField source="active" />
    </Datagrid>
  </List>
);

const GiftTemplateCreate = () => (
  <Create redirect="list">
    <SimpleForm defaultValues={{ active: true }}>
      <Fields />
    </SimpleForm>
  </Create>
);

const GiftTemplateEdit = () => (
  <Edit mutationMode="pessimistic" redirect="list">
    <SimpleForm>
      <Fields />
    </SimpleForm>
  </Edit>
);

export const giftTemplates = { list: GiftTemplateList, create: GiftTemplateCreate, edit: GiftTemplateEdit, icon: CardGiftcardIcon, recordRepresentation: 'name' };
