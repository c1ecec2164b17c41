import StoreIcon from '@mui/icons-material/Store';
import { lazyScreen } from '../lazy-screen';

const StorefrontCreate = lazyScreen(() => import('./StorefrontForm'), 'StorefrontCreate');
const StorefrontEdit = lazyScreen(() => import('./StorefrontForm'), 'StorefrontEdit');
const StorefrontList = lazyScreen(() => import('./StorefrontList'), 'StorefrontList');
const StorefrontShow = lazyScreen(() => import('./StorefrontShow'), 'StorefrontShow');

export const storefronts = { list: StorefrontList, show: StorefrontShow, create: StorefrontCreate, edit: StorefrontEdit, icon: StoreIcon, recordRepresentation: 'name' };
