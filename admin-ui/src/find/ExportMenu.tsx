import { useContext, useState } from 'react';
import DownloadIcon from '@mui/icons-material/Download';
import { Box, Button, LinearProgress, ListSubheader, Menu, MenuItem, Typography } from '@mui/material';
import { ListContext, useCanAccess, useNotify, useTranslate } from 'react-admin';

// Export what a list shows (its filters, every page) as CSV or XLSX. The file is streamed by the
// API (api/admin/export-file.ts); the console reads it as it arrives and shows how much has come,
// then hands it to the browser as a download.

export type ExportKind = 'orders' | 'order-lines' | 'refunds' | 'codes' | 'audit-log';
const LABEL: Record<ExportKind, string> = {
  orders: 'cf.export.orders',
  'order-lines': 'cf.export.order_lines',
  refunds: 'cf.export.refunds',
  codes: 'cf.export.codes',
  'audit-log': 'cf.export.audit',
};

const size = (bytes: number) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

/** Fetches an export, reporting the bytes received so far, and saves it. */
export async function download(url: string, onProgress: (bytes: number) => void): Promise<number> {
  const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: '*/*' } });
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
    throw new Error(body?.error?.message ?? res.statusText);
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    onProgress(received);
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'export';
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob(chunks as BlobPart[], { type: res.headers.get('content-type') ?? 'application/octet-stream' }));
  link.download = name;
  link.dataset.testid = 'export-link';
  document.body.appendChild(link);
  link.click();
  setTimeout(() => {
    URL.revokeObjectURL(link.href);
    link.remove();
  }, 60_000);
  return received;
}

/** `filter`: the list's permanent filter (react-admin keeps it out of the list context's filterValues). */
export function ExportMenu({ kinds, filter: fixed }: { kinds: ExportKind[]; filter?: Record<string, unknown> }) {
  const translate = useTranslate();
  const notify = useNotify();
  // Inside a list, its filters; on a page of one thing (a batch), only the filter given.
  const list = useContext(ListContext);
  const { canAccess: canReveal } = useCanAccess({ resource: 'codes', action: 'reveal' });
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const start = (kind: ExportKind, format: 'csv' | 'xlsx', reveal = false) => {
    setAnchor(null);
    const filter = { ...(list?.filterValues ?? {}), ...(fixed ?? {}) };
    const url = `/admin/exports/${kind}?format=${format}&filter=${encodeURIComponent(JSON.stringify(filter))}${reveal ? '&reveal=true' : ''}`;
    setProgress(0);
    download(url, setProgress).then(
      (bytes) => {
        setProgress(null);
        notify(translate('cf.export.done', { size: size(bytes) }), { type: 'info' });
      },
      (err: Error) => {
        setProgress(null);
        notify(translate('cf.export.failed', { message: err.message }), { type: 'error' });
      },
    );
  };
  const choices: { kind: ExportKind; reveal?: boolean }[] = kinds.flatMap((kind) => (kind === 'codes' && canReveal ? [{ kind }, { kind, reveal: true }] : [{ kind }]));
  return (
    <Box sx={{ display: 'inline-flex', alignItems: 'center', gap: 1 }}>
      <Button size="small" startIcon={<DownloadIcon />} onClick={(e) => setAnchor(e.currentTarget)} disabled={progress !== null} data-testid="export-open">
        {translate('cf.export.button')}
      </Button>
      {progress !== null && (
        <Box sx={{ minWidth: 160 }} data-testid="export-progress" role="status">
          <LinearProgress />
          <Typography variant="caption">{translate('cf.export.progress', { size: size(progress) })}</Typography>
        </Box>
      )}
      <Menu anchorEl={anchor} open={!!anchor} onClose={() => setAnchor(null)}>
        <Typography variant="caption" color="text.secondary" sx={{ px: 2, display: 'block', maxWidth: 320 }}>
          {translate('cf.export.honours_filters')}
        </Typography>
        {choices.map(({ kind, reveal }) => [
          <ListSubheader key={`${kind}-${reveal}`}>{translate(reveal ? 'cf.export.codes_revealed' : LABEL[kind])}</ListSubheader>,
          ...(['xlsx', 'csv'] as const).map((format) => (
            <MenuItem key={`${kind}-${reveal}-${format}`} onClick={() => start(kind, format, reveal)} data-testid={`export-${kind}${reveal ? '-revealed' : ''}-${format}`}>
              {translate(`cf.export.${format}`)}
            </MenuItem>
          )),
        ])}
      </Menu>
    </Box>
  );
}
