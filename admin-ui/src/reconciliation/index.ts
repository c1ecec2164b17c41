import CompareArrowsIcon from '@mui/icons-material/CompareArrows';
import { ReconciliationPage } from './ReconciliationPage';

// Reconciliation as a resource so the menu shows it to those who may list differences.
export const reconciliation = { list: ReconciliationPage, icon: CompareArrowsIcon };
