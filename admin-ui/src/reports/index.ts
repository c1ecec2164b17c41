import QueryStatsIcon from '@mui/icons-material/QueryStats';
import { lazyScreen } from '../lazy-screen';

// Reports as a resource so the menu shows them to those who may read them; the screen (with its
// charts) is fetched only when opened.
const ReportsPage = lazyScreen(() => import('./ReportsPage'), 'ReportsPage');
export const reports = { list: ReportsPage, icon: QueryStatsIcon };
