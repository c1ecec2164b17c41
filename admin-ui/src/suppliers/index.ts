import LocalShippingIcon from '@mui/icons-material/LocalShipping';
import { SupplierCreate, SupplierEdit } from './SupplierForm';
import { SupplierList } from './SupplierList';
import { SupplierShow } from './SupplierShow';

export const suppliers = { list: SupplierList, show: SupplierShow, create: SupplierCreate, edit: SupplierEdit, icon: LocalShippingIcon, recordRepresentation: 'name' };
