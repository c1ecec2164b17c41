import InventoryIcon from '@mui/icons-material/Inventory2';
import { lazyScreen } from '../lazy-screen';

const StockList = lazyScreen(() => import('./StockList'), 'StockList');
const StockShow = lazyScreen(() => import('./StockShow'), 'StockShow');

export const stock = { list: StockList, show: StockShow, icon: InventoryIcon, recordRepresentation: 'sku' };
