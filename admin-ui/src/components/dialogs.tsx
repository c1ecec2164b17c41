import { useState, type ReactNode } from 'react';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, IconButton, TextField, Tooltip, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';

// Destructive actions ask first, and the ones that change money or stock ask why: the reason is
// written to the timeline and the audit log.

export function ReasonDialog(props: {
  open: boolean;
  title: string;
  help: string;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: string;
  /** More to choose before confirming (say, which units), shown above the reason. */
  children?: ReactNode;
  /** False while what `children` chooses is incomplete. */
  ready?: boolean;
  onConfirm: (reason: string) => void;
  onClose: () => void;
}) {
  const translate = useTranslate();
  const [reason, setReason] = useState('');
  const short = reason.trim().length < 3;
  return (
    <Dialog open={props.open} onClose={props.onClose} fullWidth maxWidth="sm">
      <DialogTitle>{props.title}</DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>{props.help}</DialogContentText>
        {props.children}
        <TextField
          autoFocus
          fullWidth
          multiline
          minRows={2}
          name="reason"
          label={translate('cf.common.reason')}
          helperText={translate('cf.common.reason_help')}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        {props.error && (
          <Alert severity="error" sx={{ mt: 2 }}>
            {props.error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>{translate('cf.common.cancel')}</Button>
        <Button
          variant="contained"
          color={props.danger ? 'error' : 'primary'}
          disabled={short || props.busy || props.ready === false}
          onClick={() => props.onConfirm(reason.trim())}
        >
          {props.confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** Secrets that exist only in this answer: API keys, webhook secrets, a revealed code. */
export function SecretDialog(props: {
  open: boolean;
  title: string;
  intro?: string;
  secrets: { label: string; value: string | undefined }[];
  onClose: () => void;
  notice?: ReactNode;
}) {
  const translate = useTranslate();
  return (
    <Dialog open={props.open} onClose={props.onClose} fullWidth maxWidth="sm" data-testid="secret-dialog">
      <DialogTitle>{props.title}</DialogTitle>
      <DialogContent>
        {props.intro && <DialogContentText sx={{ mb: 2 }}>{props.intro}</DialogContentText>}
        {props.secrets
          .filter((s) => s.value)
          .map((s) => (
            <Box key={s.label} sx={{ mb: 2 }}>
              <Typography variant="caption" color="text.secondary">
                {s.label}
              </Typography>
              <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, p: 1, bgcolor: 'action.hover', borderRadius: 1 }}>
                <Typography component="code" data-testid="secret-value" sx={{ fontFamily: 'monospace', wordBreak: 'break-all', flex: 1 }}>
                  {s.value}
                </Typography>
                <CopyButton value={s.value!} />
              </Box>
            </Box>
          ))}
        <Alert severity="warning">{props.notice ?? translate('cf.common.shown_once')}</Alert>
      </DialogContent>
      <DialogActions>
        <Button variant="contained" onClick={props.onClose}>
          {translate('cf.common.close')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

function CopyButton({ value }: { value: string }) {
  const translate = useTranslate();
  const [copied, setCopied] = useState(false);
  return (
    <Tooltip title={translate(copied ? 'cf.common.copied' : 'cf.common.copy')}>
      <IconButton
        size="small"
        onClick={() => {
          // A refused clipboard leaves the icon unchanged: nothing else to tell the user.
          void navigator.clipboard?.writeText(value).then(() => setCopied(true));
        }}
      >
        <ContentCopyIcon fontSize="small" />
      </IconButton>
    </Tooltip>
  );
}

/** The message an API error carries, for a dialog or a notification. */
export function errorMessage(err: unknown): string {
  return (err as { message?: string })?.message ?? String(err);
}
