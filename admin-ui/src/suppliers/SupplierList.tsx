import { Box, Typography } from '@mui/material';
import { BooleanField, CreateButton, Datagrid, FunctionField, SearchInput, TextField, TopToolbar, useTranslate } from 'react-admin';
import { Money } from '../components/fields';
import { CircuitField } from './CircuitChip';
import type { SupplierRecord } from './types';
import { ConsoleList } from '../components/ConsoleList';

function Empty() {
  const translate = useTranslate();
  return (
    <Box sx={{ textAlign: 'center', mt: 6 }} data-testid="suppliers-empty">
      <Typography variant="h6">{translate('cf.supplier.empty')}</Typography>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {translate('cf.supplier.empty_help')}
      </Typography>
      <CreateButton />
    </Box>
  );
}

export function SupplierList() {
  const translate = useTranslate();
  return (
    <ConsoleList
      filters={[<SearchInput key="q" source="q" alwaysOn placeholder={translate('resources.suppliers.fields.q')} />]}
      sort={{ field: 'name', order: 'ASC' }}
      actions={
        <TopToolbar>
          <CreateButton />
        </TopToolbar>
      }
      empty={<Empty />}
      exporter={false}
    >
      <Datagrid rowClick="show" bulkActionButtons={false} data-testid="suppliers-grid">
        <TextField source="name" />
        <FunctionField<SupplierRecord> source="kind" render={(r) => translate(`cf.supplier.kinds.${r.kind}`)} />
        <TextField source="currency" emptyText="—" />
        <FunctionField<SupplierRecord>
          source="balance"
          textAlign="right"
          render={(r) =>
            r.balance === null || !r.currency ? (
              <Typography variant="body2" color="text.secondary">
                {translate('cf.supplier.balance_unknown')}
              </Typography>
            ) : (
              <Typography variant="body2" component="span" color={r.lowBalanceThreshold !== null && r.balance < r.lowBalanceThreshold ? 'error' : undefined}>
                <Money minor={r.balance} currency={r.currency} />
              </Typography>
            )
          }
        />
        <FunctionField<SupplierRecord>
          source="lowBalanceThreshold"
          sortable={false}
          textAlign="right"
          render={(r) => (r.lowBalanceThreshold === null || !r.currency ? '—' : <Money minor={r.lowBalanceThreshold} currency={r.currency} />)}
        />
        <CircuitField label="resources.suppliers.fields.circuit" sortable={false} />
        <BooleanField source="active" />
      </Datagrid>
    </ConsoleList>
  );
}
