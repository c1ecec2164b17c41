import RefreshIcon from '@mui/icons-material/Refresh';
import { Alert, AlertTitle, Button, CircularProgress } from '@mui/material';
import { useIsFetching, useQueryClient } from '@tanstack/react-query';
import { useTranslate } from 'react-admin';

// What a list or detail screen shows when its data could not be loaded (react-admin's `error`
// slot of <List>, <Show> and <Edit>): what went wrong and a Retry button, instead of a loading
// skeleton that never ends. Retry asks again for every query of the screen that failed, without
// reloading the page; the screen draws its data as soon as an answer comes.

export function LoadFailed() {
  const translate = useTranslate();
  const queryClient = useQueryClient();
  const failed = queryClient.getQueryCache().findAll({ type: 'active', predicate: (q) => q.state.status === 'error' });
  const retrying = useIsFetching({ type: 'active', predicate: (q) => q.state.status === 'error' }) > 0;
  const error = failed[0]?.state.error as { status?: number; message?: string } | null | undefined;
  const unreachable = !error || error.status === 0 || error.status === 502 || error.status === 504;
  const retry = () => void queryClient.refetchQueries({ type: 'active', predicate: (q) => q.state.status === 'error' });
  return (
    <Alert
      severity="error"
      sx={{ m: 2 }}
      data-testid="load-failed"
      action={
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
      }
    >
      <AlertTitle>{translate('cf.load_failed.title')}</AlertTitle>
      {unreachable ? translate('cf.load_failed.unreachable') : (error?.message ?? translate('cf.load_failed.other'))}
    </Alert>
  );
}
