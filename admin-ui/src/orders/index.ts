import ReceiptIcon from '@mui/icons-material/Receipt';
import { lazyScreen } from '../lazy-screen';

const OrderList = lazyScreen(() => import('./OrderList'), 'OrderList');
const OrderShow = lazyScreen(() => import('./OrderShow'), 'OrderShow');

export const orders = { list: OrderList, show: OrderShow, icon: ReceiptIcon, recordRepresentation: 'externalRef' };
