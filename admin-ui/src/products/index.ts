import CategoryIcon from '@mui/icons-material/Category';
import { ProductCreate, ProductEdit } from './ProductForm';
import { ProductList } from './ProductList';

export const products = { list: ProductList, create: ProductCreate, edit: ProductEdit, icon: CategoryIcon, recordRepresentation: 'code' };
