import { Card, CardContent, CardHeader, Chip, List, ListItem, ListItemText, Stack, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { useTranslate } from 'react-admin';
import { formatWhen, useIntlLocale } from '../components/fields';
import { LoadFailed } from '../components/LoadFailed';
import { api } from '../providers/http';

// A supplier connection's last errors: its recent refused or unanswered calls, by operation, with
// the refusal worded in the reader's language (a code a protocol invents is named as it came) and
// the adapter's own short note below. The circuit breaker's state sits beside it (SupplierShow).

interface CallFailure {
  operation: string;
  outcome: 'refused' | 'unavailable';
  code: string;
  detail: string | null;
  at: string;
}

export function SupplierErrors({ supplierId, threshold }: { supplierId: string; threshold: number }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const { data, isError } = useQuery({
    queryKey: ['supplier-call-failures', supplierId],
    queryFn: async () => (await api<{ failures: CallFailure[] }>(`/admin/suppliers/${supplierId}/call-failures`)).json,
  });
  const codeText = (code: string) => translate(`cf.connections.failure.${code}`, { _: translate('cf.connections.failure.other', { code }) });
  return (
    <Card data-testid="supplier-errors">
      <CardHeader
        title={translate('cf.connections.errors_title')}
        subheader={translate('cf.connections.errors_help', { threshold })}
        titleTypographyProps={{ variant: 'subtitle1', fontWeight: 500 }}
      />
      <CardContent sx={{ pt: 0 }}>
        {isError && <LoadFailed />}
        {data && data.failures.length === 0 && (
          <Typography variant="body2" color="text.secondary">
            {translate('cf.connections.no_errors')}
          </Typography>
        )}
        <List dense disablePadding>
          {(data?.failures ?? []).map((f, i) => (
            <ListItem key={`${f.at}-${i}`} disableGutters divider data-testid="supplier-error">
              <ListItemText
                primary={
                  <Stack direction="row" spacing={1} alignItems="center" useFlexGap sx={{ flexWrap: 'wrap' }}>
                    <Chip size="small" color={f.outcome === 'unavailable' ? 'error' : 'warning'} label={translate(`cf.connections.${f.outcome}`)} />
                    <span>
                      {translate('cf.connections.error_line', { operation: translate(`cf.connections.operation.${f.operation}`, { _: f.operation }), code: codeText(f.code) })}
                    </span>
                  </Stack>
                }
                secondary={
                  <>
                    {formatWhen(f.at, locale)}
                    {f.detail && (
                      <Typography component="span" variant="caption" sx={{ display: 'block', fontFamily: 'monospace', wordBreak: 'break-word' }}>
                        {f.detail}
                      </Typography>
                    )}
                  </>
                }
              />
            </ListItem>
          ))}
        </List>
      </CardContent>
    </Card>
  );
}
