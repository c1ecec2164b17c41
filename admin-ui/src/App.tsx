import { Route } from 'react-router-dom';
import { Admin, CustomRoutes, Resource } from 'react-admin';
import { AccountPage } from './account';
import { alerts } from './alerts';
import { needsAttention } from './attention';
import { AuditLog } from './audit';
import { books } from './books';
import { reconciliation } from './reconciliation';
import { BatchShow } from './find/BatchShow';
import { CodeLookupPage } from './find/CodeLookup';
import { lazyScreen } from './lazy-screen';
import { i18nProvider } from './i18n';
import { Layout } from './layout/Layout';
import { LoginPage } from './login/LoginPage';
import { manualTasks } from './manual';
import { notificationSettingsScreen } from './notifications';
import { orders } from './orders';
import { products } from './products';
import { reports } from './reports';
import { giftTemplates } from './gifts';
import { bulkOrders } from './bulk';
import { reviews, riskLists, riskRules } from './risk';
import { authProvider } from './providers/authProvider';
import { dataProvider } from './providers/dataProvider';
import { stock } from './stock';
import { storefronts } from './storefronts';
import { suppliers } from './suppliers';
import { theme } from './theme';
import { users } from './users';

// The dashboard draws charts (recharts): fetched only when it is shown.
const Dashboard = lazyScreen(() => import('./dashboard/Dashboard'), 'Dashboard');

// The console: one <Resource> per screen; batches, codes and webhook attempts appear inside
// the stock and storefront screens.
export function App() {
  return (
    <Admin
      title="Cardflow"
      dataProvider={dataProvider}
      authProvider={authProvider}
      i18nProvider={i18nProvider}
      dashboard={Dashboard}
      loginPage={LoginPage}
      layout={Layout}
      theme={theme}
      requireAuth
      disableTelemetry
    >
      <Resource name="orders" {...orders} />
      <Resource name="bulk-orders" {...bulkOrders} />
      <Resource name="needs-attention" {...needsAttention} />
      <Resource name="manual-tasks" {...manualTasks} />
      <Resource name="reviews" {...reviews} />
      <Resource name="risk-rules" {...riskRules} />
      <Resource name="risk-lists" {...riskLists} />
      <Resource name="stock" {...stock} />
      <Resource name="skus" {...products} />
      <Resource name="gift-templates" {...giftTemplates} />
      <Resource name="suppliers" {...suppliers} />
      <Resource name="ledger-periods" {...books} />
      <Resource name="reconciliation" {...reconciliation} />
      <Resource name="reports" {...reports} />
      <Resource name="alerts" {...alerts} />
      <Resource name="notification-settings" {...notificationSettingsScreen} />
      <Resource name="storefronts" {...storefronts} />
      <Resource name="audit-log" {...AuditLog} />
      <Resource name="users" {...users} />
      <Resource name="batches" show={BatchShow} recordRepresentation="sku" />
      <Resource name="codes" />
      <Resource name="webhook-attempts" />
      <Resource name="admin-tokens" />
      <CustomRoutes>
        <Route path="/account" element={<AccountPage />} />
        <Route path="/code-lookup" element={<CodeLookupPage />} />
      </CustomRoutes>
    </Admin>
  );
}
