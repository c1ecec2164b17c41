import ReceiptIcon from '@mui/icons-material/Receipt';
import { OrderList } from './OrderList';
import { OrderShow } from './OrderShow';

export const orders = { list: OrderList, show: OrderShow, icon: ReceiptIcon, recordRepresentation: 'externalRef' };
