import SyncIcon from '@mui/icons-material/Sync';
import { Alert, Box, Button, Card, CardContent, CardHeader, Chip, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCanAccess, useNotify, useTranslate } from 'react-admin';
import { errorMessage } from '../components/dialogs';
import { formatWhen, useIntlLocale } from '../components/fields';
import { formatMoney } from '../money';
import { api } from '../providers/http';

// Buying from a dujiao-next site: its products as last synced, with the "product:sku" a route
// names to buy it (the mapping is made in the product's supplier routes), which SKUs use each,
// when it was synced, and what drifted (a price above a route's maximum, a product gone or sold out).
// A supplier whose protocol lists nothing (Reloadly, Fulu, the Cardflow simulator) shows its
// mapping only: which of our SKUs buy which of its products, up to which unit cost.

interface Catalogue {
  listsCatalogue: boolean;
  routes: { sku: string; product: string; maxUnitCost: number; active: boolean }[];
  syncedAt: string | null;
  syncError: string | null;
  drift: { product: string; sku: string; problem: string }[];
  items: { product: string; title: string; unitPrice: number; currency: string; stock: number | null; active: boolean; mappedTo: { sku: string; maxUnitCost: number }[] }[];
}

export function SupplierCatalogue({ supplierId, currency }: { supplierId: string; currency: string | null }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const { canAccess } = useCanAccess({ resource: 'suppliers', action: 'refresh' });
  const key = ['supplier-catalogue', supplierId];
  const { data } = useQuery({ queryKey: key, queryFn: async () => (await api<Catalogue>(`/admin/suppliers/${supplierId}/catalogue`)).json });
  const sync = useMutation({
    mutationFn: () => api(`/admin/suppliers/${supplierId}/catalogue/sync`, { method: 'POST' }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: key }),
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
  });
  if (data && !data.listsCatalogue) return <SupplierRoutesCard routes={data.routes} currency={currency} />;
  return (
    <Card data-testid="supplier-catalogue">
      <CardHeader
        title={translate('cf.connections.catalogue_title')}
        subheader={data?.syncedAt ? translate('cf.connections.synced_at', { at: formatWhen(data.syncedAt, locale) }) : translate('cf.connections.never_synced')}
        action={
          canAccess && (
            <Button startIcon={<SyncIcon />} onClick={() => sync.mutate()} disabled={sync.isPending} data-testid="sync-catalogue">
              {translate('cf.connections.sync_now')}
            </Button>
          )
        }
      />
      <CardContent sx={{ pt: 0 }}>
        {data?.syncError && <Alert severity="error">{translate('cf.connections.sync_failed', { error: data.syncError })}</Alert>}
        {(data?.drift ?? []).map((d) => (
          <Alert key={`${d.product}-${d.sku}`} severity="warning" sx={{ mb: 1 }}>
            {translate(`cf.connections.drift.${d.problem}`, { sku: d.sku, product: d.product })}
          </Alert>
        ))}
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          {translate('cf.connections.mapping_help')}
        </Typography>
        <Box sx={{ overflowX: 'auto' }}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{translate('cf.connections.product')}</TableCell>
                <TableCell>{translate('cf.connections.title')}</TableCell>
                <TableCell align="right">{translate('cf.connections.price')}</TableCell>
                <TableCell align="right">{translate('cf.connections.stock')}</TableCell>
                <TableCell>{translate('cf.connections.mapped_to')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {(data?.items ?? []).map((i) => (
                <TableRow key={i.product}>
                  <TableCell>
                    <code>{i.product}</code>
                  </TableCell>
                  <TableCell>{i.title}</TableCell>
                  <TableCell align="right">{formatMoney(i.unitPrice, i.currency, locale)}</TableCell>
                  <TableCell align="right">{i.stock === null ? translate('cf.connections.unlimited') : i.stock}</TableCell>
                  <TableCell>{i.mappedTo.map((m) => m.sku).join(', ') || '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      </CardContent>
    </Card>
  );
}

function SupplierRoutesCard({ routes, currency }: { routes: Catalogue['routes']; currency: string | null }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  return (
    <Card data-testid="supplier-routes">
      <CardHeader title={translate('cf.connections.routes_title')} subheader={translate('cf.connections.routes_help')} />
      <CardContent sx={{ pt: 0 }}>
        {routes.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            {translate('cf.connections.no_routes')}
          </Typography>
        ) : (
          <Box sx={{ overflowX: 'auto' }}>
            <Table size="small">
              <TableHead>
                <TableRow>
                  <TableCell>{translate('cf.connections.route_sku')}</TableCell>
                  <TableCell>{translate('cf.connections.route_product')}</TableCell>
                  <TableCell align="right">{translate('cf.connections.route_max')}</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {routes.map((r) => (
                  <TableRow key={`${r.sku}-${r.product}`}>
                    <TableCell>
                      {r.sku} {!r.active && <Chip size="small" label={translate('cf.connections.route_inactive')} />}
                    </TableCell>
                    <TableCell>
                      <code>{r.product}</code>
                    </TableCell>
                    <TableCell align="right">{currency ? formatMoney(r.maxUnitCost, currency, locale) : r.maxUnitCost}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Box>
        )}
      </CardContent>
    </Card>
  );
}
