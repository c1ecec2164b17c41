import CategoryIcon from '@mui/icons-material/Category';
import { lazyScreen } from '../lazy-screen';

const ProductCreate = lazyScreen(() => import('./ProductForm'), 'ProductCreate');
const ProductEdit = lazyScreen(() => import('./ProductForm'), 'ProductEdit');
const ProductList = lazyScreen(() => import('./ProductList'), 'ProductList');

export const products = { list: ProductList, create: ProductCreate, edit: ProductEdit, icon: CategoryIcon, recordRepresentation: 'code' };
