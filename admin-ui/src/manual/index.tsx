import PendingActionsIcon from '@mui/icons-material/PendingActions';
import { Box, Chip, Stack, Typography, useMediaQuery, type Theme } from '@mui/material';
import { Datagrid, FunctionField, SimpleList, TextField, useTranslate } from 'react-admin';
import { MoneyField, WhenField } from '../components/fields';
import { ConsoleList } from '../components/ConsoleList';

// Waiting on a person: orders for products fulfilled by hand, oldest first, with what each still
// needs (codes, top-up receipts) and its deadlines. A row opens the order, where "Fulfil by hand"
// takes the entries.

export interface ManualTask {
  id: string;
  orderId: string;
  externalRef: string;
  status: 'open' | 'escalated' | 'done' | 'cancelled';
  orderStatus: string;
  currency: string;
  totalAmount: number;
  escalateAt: string;
  cancelAt: string;
  createdAt: string;
  doneBy: string | null;
  units: { id: string; sku: string; account: string | null; needs: 'code' | 'receipt' }[];
}

export function ManualTaskStatus({ status }: { status: ManualTask['status'] }) {
  const translate = useTranslate();
  const colour = status === 'escalated' ? 'error' : status === 'open' ? 'warning' : 'default';
  return <Chip size="small" color={colour} label={translate(`cf.manual.status.${status}`)} data-testid="manual-task-status" />;
}

function Needs({ task }: { task: ManualTask }) {
  const translate = useTranslate();
  const codes = task.units.filter((u) => u.needs === 'code').length;
  const receipts = task.units.length - codes;
  const skus = [...new Set(task.units.map((u) => u.sku))];
  return (
    <Stack spacing={0.5}>
      <Typography variant="body2">
        {[codes && translate('cf.manual.codes', { smart_count: codes }), receipts && translate('cf.manual.receipts', { smart_count: receipts })].filter(Boolean).join(' · ')}
      </Typography>
      <Stack direction="row" spacing={0.5} flexWrap="wrap" useFlexGap>
        {skus.map((sku) => (
          <Chip key={sku} size="small" variant="outlined" label={sku} />
        ))}
      </Stack>
    </Stack>
  );
}

function Empty() {
  const translate = useTranslate();
  return (
    <Box sx={{ textAlign: 'center', mt: 6 }} data-testid="manual-tasks-empty">
      <Typography variant="h6">{translate('cf.manual.empty')}</Typography>
      <Typography color="text.secondary">{translate('cf.manual.empty_help')}</Typography>
    </Box>
  );
}

function ManualTaskList() {
  const translate = useTranslate();
  const phone = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
  return (
    <ConsoleList title={translate('cf.manual.title')} sort={{ field: 'createdAt', order: 'ASC' }} perPage={50} exporter={false} empty={<Empty />} actions={false}>
      {phone ? (
        <SimpleList<ManualTask>
          rowClick={(id) => `/orders/${id}/show`}
          primaryText={(t) => t.externalRef}
          secondaryText={(t) => <Needs task={t} />}
          tertiaryText={(t) => <ManualTaskStatus status={t.status} />}
          data-testid="manual-tasks-simple-list"
          rowSx={() => ({ alignItems: 'flex-start' })}
        />
      ) : (
        <Datagrid bulkActionButtons={false} rowClick={(id) => `/orders/${id}/show`} data-testid="manual-tasks-grid">
          <TextField source="externalRef" sortable={false} />
          <FunctionField<ManualTask> source="units" sortable={false} render={(t) => <Needs task={t} />} />
          <MoneyField source="totalAmount" label="resources.manual-tasks.fields.totalAmount" />
          <FunctionField<ManualTask> source="status" render={(t) => <ManualTaskStatus status={t.status} />} />
          <WhenField source="createdAt" />
          <WhenField source="escalateAt" />
          <WhenField source="cancelAt" />
        </Datagrid>
      )}
    </ConsoleList>
  );
}

export const manualTasks = { list: ManualTaskList, icon: PendingActionsIcon, recordRepresentation: 'externalRef' };
