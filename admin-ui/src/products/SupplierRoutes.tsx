import { useMemo, useState } from 'react';
import AddIcon from '@mui/icons-material/Add';
import ArrowDownwardIcon from '@mui/icons-material/ArrowDownward';
import ArrowUpwardIcon from '@mui/icons-material/ArrowUpward';
import DeleteIcon from '@mui/icons-material/Delete';
import SaveIcon from '@mui/icons-material/Save';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  CardHeader,
  IconButton,
  InputAdornment,
  LinearProgress,
  MenuItem,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCanAccess, useDataProvider, useGetList, useNotify, useRecordContext, useTranslate } from 'react-admin';
import { errorMessage } from '../components/dialogs';
import { toMajor, toMinor } from '../money';
import type { CardflowDataProvider, SkuRoute } from '../providers/dataProvider';
import type { SupplierRecord } from '../suppliers/types';

// A product's supplier routes: an ordered list of (supplier, the supplier's product code, the most
// we pay per unit), tried first to last for each unit. Saved as a whole (PUT replaces the list),
// separately from the product form. The API refuses a supplier without an API or selling in
// another currency; its messages appear beside the row they are about.

interface ProductRecord {
  id: string;
  code: string;
  currency: string;
  fulfilmentMode: string;
  supplierFallback?: boolean;
}

interface Row {
  key: string;
  supplierId: string;
  supplierProduct: string;
  /** As typed, in major units. */
  maxUnitCost: string;
  active: boolean;
}

const BUYING_MODES = new Set(['supplier', 'topup', 'link']);

// Row keys for React only (crypto.randomUUID needs a secure context, which a LAN console may lack).
let lastKey = 0;
const newKey = () => `route-${++lastKey}`;

export function SupplierRoutes() {
  const product = useRecordContext<ProductRecord>();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const translate = useTranslate();
  const sku = product?.id;
  const { data, isPending, error, dataUpdatedAt } = useQuery({ queryKey: ['sku-routes', sku], queryFn: () => dataProvider.skuRoutes(sku!), enabled: !!sku });
  // Only products that buy from suppliers (as saved) have routes to edit.
  if (!product || !(BUYING_MODES.has(product.fulfilmentMode) || (product.fulfilmentMode === 'stock' && product.supplierFallback))) return null;
  return (
    <Card sx={{ mt: 2 }} data-testid="routes-card">
      <CardHeader title={translate('cf.routes.title')} subheader={translate('cf.routes.help')} titleTypographyProps={{ variant: 'subtitle1', fontWeight: 500 }} />
      <CardContent sx={{ pt: 0 }}>
        {error ? (
          <Alert severity="error">{errorMessage(error)}</Alert>
        ) : isPending ? (
          <LinearProgress />
        ) : (
          // Reset to the server's list whenever it is (re)loaded, e.g. after a save.
          <RoutesEditor key={dataUpdatedAt} product={product} saved={data} />
        )}
      </CardContent>
    </Card>
  );
}

function RoutesEditor({ product, saved }: { product: ProductRecord; saved: SkuRoute[] }) {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { canAccess: canEdit } = useCanAccess({ resource: 'skus', action: 'edit' });
  const { data: suppliers } = useGetList<SupplierRecord>('suppliers', { pagination: { page: 1, perPage: 500 }, sort: { field: 'name', order: 'ASC' }, filter: { kind: 'api' } });
  const [rows, setRows] = useState<Row[]>(() =>
    saved.map((r) => ({ key: newKey(), supplierId: r.supplierId, supplierProduct: r.supplierProduct, maxUnitCost: toMajor(r.maxUnitCost, product.currency), active: r.active })),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [dirty, setDirty] = useState(false);

  // Suppliers that can serve this product: an API, in its currency (and any already on a route).
  const choices = useMemo(() => (suppliers ?? []).filter((s) => s.currency === product.currency || rows.some((r) => r.supplierId === s.id)), [suppliers, product.currency, rows]);

  const change = (next: Row[]) => {
    setRows(next);
    setDirty(true);
    setErrors({});
  };
  const update = (i: number, patch: Partial<Row>) => change(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const move = (i: number, by: -1 | 1) => {
    const next = [...rows];
    [next[i], next[i + by]] = [next[i + by], next[i]];
    change(next);
  };

  const save = useMutation({
    mutationFn: (routes: SkuRoute[]) => dataProvider.saveSkuRoutes(product.id, routes),
    onSuccess: () => {
      notify(translate('cf.routes.saved'), { type: 'info' });
      void queryClient.invalidateQueries({ queryKey: ['sku-routes', product.id] }); // a failed refetch shows in that query's own state
    },
    onError: (err) => {
      const fieldErrors = (err as { body?: { errors?: Record<string, string> } }).body?.errors;
      if (fieldErrors) setErrors(fieldErrors);
      notify(errorMessage(err), { type: 'error' });
    },
  });

  const submit = () => {
    const problems: Record<string, string> = {};
    const routes = rows.map((r, i) => {
      const maxUnitCost = toMinor(r.maxUnitCost, product.currency);
      if (!r.supplierId) problems[`routes.${i}.supplierId`] = translate('cf.routes.required');
      if (!r.supplierProduct.trim()) problems[`routes.${i}.supplierProduct`] = translate('cf.routes.required');
      if (maxUnitCost === null || maxUnitCost <= 0) problems[`routes.${i}.maxUnitCost`] = translate('cf.routes.bad_money');
      return { supplierId: r.supplierId, supplierProduct: r.supplierProduct.trim(), maxUnitCost: maxUnitCost ?? 0, active: r.active };
    });
    setErrors(problems);
    if (Object.keys(problems).length === 0) save.mutate(routes);
  };

  const err = (i: number, field: string) => errors[`routes.${i}.${field}`];
  return (
    <Box>
      {suppliers && choices.length === 0 && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          {translate('cf.routes.no_suppliers', { currency: product.currency })}
        </Alert>
      )}
      {rows.length === 0 ? (
        <Typography color="text.secondary" sx={{ mb: 2 }} data-testid="routes-empty">
          {translate('cf.routes.empty')}
        </Typography>
      ) : (
        <Table size="small" sx={{ mb: 2 }}>
          <TableHead>
            <TableRow>
              <TableCell width={40}>#</TableCell>
              <TableCell>{translate('cf.routes.supplier')}</TableCell>
              <TableCell>{translate('cf.routes.product')}</TableCell>
              <TableCell>{translate('cf.routes.max_cost')}</TableCell>
              <TableCell>{translate('cf.routes.active')}</TableCell>
              <TableCell align="right" />
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((r, i) => (
              <TableRow key={r.key} data-testid="route-row">
                <TableCell>{i + 1}</TableCell>
                <TableCell sx={{ minWidth: 220 }}>
                  <TextField
                    select
                    fullWidth
                    size="small"
                    label={translate('cf.routes.supplier')}
                    value={choices.some((s) => s.id === r.supplierId) ? r.supplierId : ''}
                    onChange={(e) => update(i, { supplierId: e.target.value })}
                    error={!!err(i, 'supplierId')}
                    helperText={err(i, 'supplierId') ?? ' '}
                    disabled={!canEdit}
                    slotProps={{ select: { inputProps: { 'data-testid': 'route-supplier' } } }}
                  >
                    {choices.map((s) => (
                      <MenuItem key={s.id} value={s.id}>
                        {s.name}
                      </MenuItem>
                    ))}
                  </TextField>
                </TableCell>
                <TableCell>
                  <TextField
                    size="small"
                    fullWidth
                    label={translate('cf.routes.product')}
                    value={r.supplierProduct}
                    onChange={(e) => update(i, { supplierProduct: e.target.value })}
                    error={!!err(i, 'supplierProduct')}
                    helperText={err(i, 'supplierProduct') ?? ' '}
                    disabled={!canEdit}
                  />
                </TableCell>
                <TableCell sx={{ width: 180 }}>
                  <TextField
                    size="small"
                    label={translate('cf.routes.max_cost')}
                    value={r.maxUnitCost}
                    onChange={(e) => update(i, { maxUnitCost: e.target.value })}
                    error={!!err(i, 'maxUnitCost')}
                    helperText={err(i, 'maxUnitCost') ?? ' '}
                    disabled={!canEdit}
                    slotProps={{ htmlInput: { inputMode: 'decimal' }, input: { endAdornment: <InputAdornment position="end">{product.currency}</InputAdornment> } }}
                  />
                </TableCell>
                <TableCell>
                  <Switch
                    checked={r.active}
                    onChange={(e) => update(i, { active: e.target.checked })}
                    disabled={!canEdit}
                    slotProps={{ input: { 'aria-label': translate('cf.routes.active') } }}
                  />
                </TableCell>
                <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                  {canEdit && (
                    <>
                      <Tooltip title={translate('cf.routes.up')}>
                        <span>
                          <IconButton size="small" disabled={i === 0} onClick={() => move(i, -1)} aria-label={translate('cf.routes.up')}>
                            <ArrowUpwardIcon fontSize="small" />
                          </IconButton>
                        </span>
                      </Tooltip>
                      <Tooltip title={translate('cf.routes.down')}>
                        <span>
                          <IconButton size="small" disabled={i === rows.length - 1} onClick={() => move(i, 1)} aria-label={translate('cf.routes.down')}>
                            <ArrowDownwardIcon fontSize="small" />
                          </IconButton>
                        </span>
                      </Tooltip>
                      <Tooltip title={translate('cf.routes.remove')}>
                        <IconButton size="small" onClick={() => change(rows.filter((_, j) => j !== i))} aria-label={translate('cf.routes.remove')}>
                          <DeleteIcon fontSize="small" />
                        </IconButton>
                      </Tooltip>
                    </>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {canEdit && (
        <Box sx={{ display: 'flex', gap: 1 }}>
          <Button
            startIcon={<AddIcon />}
            onClick={() => change([...rows, { key: newKey(), supplierId: choices.length === 1 ? choices[0].id : '', supplierProduct: '', maxUnitCost: '', active: true }])}
            data-testid="route-add"
          >
            {translate('cf.routes.add')}
          </Button>
          <Button variant="contained" startIcon={<SaveIcon />} disabled={!dirty || save.isPending} onClick={submit} data-testid="routes-save">
            {translate('cf.routes.save')}
          </Button>
        </Box>
      )}
    </Box>
  );
}
