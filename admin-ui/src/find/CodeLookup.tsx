import { useState } from 'react';
import BlockIcon from '@mui/icons-material/Block';
import { Alert, Box, Button, Card, CardContent, Stack, TextField, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { Title, useCanAccess, useNotify, useTranslate } from 'react-admin';
import { Link } from 'react-router-dom';
import { errorMessage, ReasonDialog } from '../components/dialogs';
import { formatWhen, StatusChip, useIntlLocale } from '../components/fields';
import { useReasonWords } from '../orders/reasons';
import { findApi, type CodeMatch } from './api';

// "Who bought code X?" — the supplier's complaint. The code is sent in a request body, matched by
// its fingerprint, and answered with the order, the buyer and when; a code still in stock can be
// voided from here, a sold one is given back by refunding its order.

export function CodeLookupPage() {
  const translate = useTranslate();
  const [code, setCode] = useState('');
  const lookup = useMutation({ mutationFn: (text: string) => findApi.lookupCode(text) });
  return (
    <Box sx={{ mt: 2, maxWidth: 900 }}>
      <Title title={translate('cf.code_lookup.title')} />
      <Card>
        <CardContent>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
            {translate('cf.code_lookup.help')}
          </Typography>
          <Stack
            direction={{ xs: 'column', sm: 'row' }}
            spacing={1}
            component="form"
            onSubmit={(e) => {
              e.preventDefault();
              if (code.trim().length >= 4) lookup.mutate(code.trim());
            }}
          >
            <TextField
              fullWidth
              size="small"
              label={translate('cf.code_lookup.input')}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              inputProps={{ 'data-testid': 'code-lookup-input', autoComplete: 'off', spellCheck: false }}
            />
            <Button type="submit" variant="contained" disabled={code.trim().length < 4 || lookup.isPending} data-testid="code-lookup-submit">
              {translate('cf.code_lookup.search')}
            </Button>
          </Stack>
          {lookup.error && (
            <Alert severity="error" sx={{ mt: 2 }}>
              {errorMessage(lookup.error)}
            </Alert>
          )}
        </CardContent>
      </Card>
      {lookup.data && lookup.data.codes.length === 0 && (
        <Alert severity="info" sx={{ mt: 2 }} data-testid="code-lookup-none">
          {translate('cf.code_lookup.none')}
        </Alert>
      )}
      {lookup.data?.codes.map((c) => (
        <CodeCard key={c.id} match={c} onChanged={() => lookup.mutate(code.trim())} />
      ))}
    </Box>
  );
}

function CodeCard({ match: c, onChanged }: { match: CodeMatch; onChanged: () => void }) {
  const translate = useTranslate();
  const words = useReasonWords();
  const locale = useIntlLocale();
  const notify = useNotify();
  const { canAccess: canVoid } = useCanAccess({ resource: 'codes', action: 'void' });
  const [open, setOpen] = useState(false);
  const voiding = useMutation({
    mutationFn: (reason: string) => findApi.voidCodes([c.id], reason),
    onSuccess: () => {
      setOpen(false);
      notify(translate('cf.code_lookup.voided_done'), { type: 'info' });
      onChanged();
    },
  });
  const row = (label: string, value: React.ReactNode) => (
    <Stack direction="row" spacing={2} sx={{ py: 0.5 }}>
      <Typography variant="body2" color="text.secondary" sx={{ minWidth: 120 }}>
        {label}
      </Typography>
      <Typography variant="body2" component="div">
        {value}
      </Typography>
    </Stack>
  );
  const b = c.order?.buyer ?? {};
  return (
    <Card sx={{ mt: 2 }} data-testid="code-lookup-result">
      <CardContent>
        <Stack direction="row" spacing={1} alignItems="center" sx={{ mb: 1 }}>
          <Typography component="code" sx={{ fontFamily: 'monospace' }}>
            {c.mask}
          </Typography>
          <Typography variant="body2">{c.sku}</Typography>
          <StatusChip value={c.status} />
        </Stack>
        {c.order ? (
          <>
            {row(
              translate('cf.code_lookup.order'),
              <Link to={`/orders/${c.order.id}/show`} data-testid="code-lookup-order">
                {c.order.externalRef}
              </Link>,
            )}
            {row(translate('cf.code_lookup.buyer'), [b.email, b.phone, b.accountId, b.ip].filter(Boolean).join(' · ') || '—')}
            {row(translate('cf.code_lookup.ordered_at'), formatWhen(c.order.orderedAt, locale))}
            {row(translate('cf.code_lookup.delivered_at'), formatWhen(c.order.deliveredAt, locale))}
          </>
        ) : (
          row(translate('cf.code_lookup.order'), translate('cf.code_lookup.in_stock'))
        )}
        {row(translate('cf.code_lookup.imported_at'), formatWhen(c.createdAt, locale))}
        {c.voidedAt && (
          <Alert severity="warning">{translate('cf.code_lookup.voided', { at: formatWhen(c.voidedAt, locale), reason: words.voidReason(c.voidReasonCode, c.voidReason) })}</Alert>
        )}
        {c.status === 'available' && canVoid && (
          <Button color="error" startIcon={<BlockIcon />} sx={{ mt: 1 }} onClick={() => (voiding.reset(), setOpen(true))} data-testid="code-lookup-void">
            {translate('cf.code_lookup.void')}
          </Button>
        )}
        {c.status === 'allocated' && c.order && (
          <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 1 }}>
            {translate('cf.code_lookup.refund_instead')}
          </Typography>
        )}
        <ReasonDialog
          open={open}
          title={translate('cf.code_lookup.void_title')}
          help={translate('cf.code_lookup.void_help')}
          confirmLabel={translate('cf.code_lookup.void')}
          danger
          busy={voiding.isPending}
          error={voiding.error ? errorMessage(voiding.error) : undefined}
          onConfirm={(reason) => voiding.mutate(reason)}
          onClose={() => setOpen(false)}
        />
      </CardContent>
    </Card>
  );
}
