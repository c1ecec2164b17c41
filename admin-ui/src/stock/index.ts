import InventoryIcon from '@mui/icons-material/Inventory2';
import { StockList } from './StockList';
import { StockShow } from './StockShow';

export const stock = { list: StockList, show: StockShow, icon: InventoryIcon, recordRepresentation: 'sku' };
