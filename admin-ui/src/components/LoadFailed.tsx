import RefreshIcon from '@mui/icons-material/Refresh';
import { useContext, type ReactNode } from 'react';
import { Alert, AlertTitle, Box, Button, CircularProgress } from '@mui/material';
import { useIsFetching, useQueryClient } from '@tanstack/react-query';
import { ListContext, useTranslate } from 'react-admin';
import { useIntlLocale } from './fields';

// What a list or detail screen shows when its data could not be loaded (react-admin's `error`
// slot of <List>, <Show> and <Edit>): what went wrong and a Retry button, instead of a loading
// skeleton that never ends. Retry asks again for every query of the screen that failed, without
// reloading the page; the screen draws its data as soon as an answer comes.
// A list that had loaded (components/ConsoleList.tsx passes its rows) keeps its rows when a refresh
// fails: support staff keep working from them, told they are not current and since when.

export function LoadFailed({ rows }: { rows?: ReactNode }) {
  const translate = useTranslate();
  const list = useContext(ListContext);
  const locale = useIntlLocale();
  const queryClient = useQueryClient();
  const failed = queryClient.getQueryCache().findAll({ type: 'active', predicate: (q) => q.state.status === 'error' });
  const retrying = useIsFetching({ type: 'active', predicate: (q) => q.state.status === 'error' }) > 0;
  const error = failed[0]?.state.error as { status?: number; message?: string } | null | undefined;
  const unreachable = !error || error.status === 0 || error.status === 502 || error.status === 504;
  const retry = () => void queryClient.refetchQueries({ type: 'active', predicate: (q) => q.state.status === 'error' });
  const retryButton = (
    <Button
      color="inherit"
      size="small"
      onClick={retry}
      disabled={retrying}
      startIcon={retrying ? <CircularProgress size={16} color="inherit" /> : <RefreshIcon />}
      data-testid="load-retry"
    >
      {translate('cf.load_failed.retry')}
    </Button>
  );
  const loadedAt = failed.map((q) => q.state.dataUpdatedAt).find((at) => at > 0);
  if (rows && list?.data && loadedAt) {
    const at = new Date(loadedAt).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
    return (
      <Box data-testid="load-stale">
        <Alert severity="warning" sx={{ m: 2 }} data-testid="load-stale-notice" action={retryButton}>
          {translate('cf.load_failed.stale', { time: at })}
        </Alert>
        <Box sx={{ opacity: 0.6 }}>{rows}</Box>
      </Box>
    );
  }
  return (
    <Alert severity="error" sx={{ m: 2 }} data-testid="load-failed" action={retryButton}>
      <AlertTitle>{translate('cf.load_failed.title')}</AlertTitle>
      {unreachable ? translate('cf.load_failed.unreachable') : (error?.message ?? translate('cf.load_failed.other'))}
    </Alert>
  );
}
