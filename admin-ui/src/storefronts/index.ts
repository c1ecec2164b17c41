import StoreIcon from '@mui/icons-material/Store';
import { StorefrontCreate, StorefrontEdit } from './StorefrontForm';
import { StorefrontList } from './StorefrontList';
import { StorefrontShow } from './StorefrontShow';

export const storefronts = { list: StorefrontList, show: StorefrontShow, create: StorefrontCreate, edit: StorefrontEdit, icon: StoreIcon, recordRepresentation: 'name' };
