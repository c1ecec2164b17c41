import LocalShippingIcon from '@mui/icons-material/LocalShipping';
import { lazyScreen } from '../lazy-screen';

const SupplierCreate = lazyScreen(() => import('./SupplierForm'), 'SupplierCreate');
const SupplierEdit = lazyScreen(() => import('./SupplierForm'), 'SupplierEdit');
const SupplierList = lazyScreen(() => import('./SupplierList'), 'SupplierList');
const SupplierShow = lazyScreen(() => import('./SupplierShow'), 'SupplierShow');

export const suppliers = { list: SupplierList, show: SupplierShow, create: SupplierCreate, edit: SupplierEdit, icon: LocalShippingIcon, recordRepresentation: 'name' };
