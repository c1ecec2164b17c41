import { Chip, Stack, Typography, type ChipProps } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';
import { formatWhen, useIntlLocale } from '../components/fields';
import type { SupplierRecord } from './types';

// A supplier's circuit breaker at a glance: green while it answers, red while nobody calls it,
// amber while one trial call decides; with how many calls in a row went unanswered.

const COLOUR: Record<SupplierRecord['circuit']['state'], ChipProps['color']> = { closed: 'success', open: 'error', half_open: 'warning' };

export function CircuitChip({ circuit }: { circuit: SupplierRecord['circuit'] }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  return (
    <Stack direction="row" spacing={1} alignItems="center" data-testid="circuit">
      <Chip size="small" color={COLOUR[circuit.state]} label={translate(`cf.supplier.circuit.${circuit.state}`)} />
      {circuit.consecutiveFailures > 0 && (
        <Typography variant="caption" color="text.secondary">
          {translate('cf.supplier.failures', { smart_count: circuit.consecutiveFailures })}
        </Typography>
      )}
      {circuit.openUntil && (
        <Typography variant="caption" color="text.secondary">
          {translate('cf.supplier.open_until', { at: formatWhen(circuit.openUntil, locale) })}
        </Typography>
      )}
    </Stack>
  );
}

export function CircuitField(_: { label?: string; sortable?: boolean }) {
  const record = useRecordContext<SupplierRecord>();
  if (!record || record.kind !== 'api') return <>—</>;
  return <CircuitChip circuit={record.circuit} />;
}
