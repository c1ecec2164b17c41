import { useState } from 'react';
import VisibilityIcon from '@mui/icons-material/Visibility';
import { Button } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { Confirm, useCanAccess, useDataProvider, useNotify, useTranslate } from 'react-admin';
import type { CardflowDataProvider } from '../providers/dataProvider';
import { errorMessage, SecretDialog } from './dialogs';

// Codes are masked everywhere. Revealing one asks first (it is audited), shows it once in a
// dialog, and forgets it when the dialog closes. Roles without the permission see no button.
export function RevealCodeButton({ codeId }: { codeId: string }) {
  const translate = useTranslate();
  const notify = useNotify();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { canAccess } = useCanAccess({ resource: 'codes', action: 'reveal' });
  const [asking, setAsking] = useState(false);
  const reveal = useMutation({
    mutationFn: () => dataProvider.revealCode(codeId),
    onSettled: () => setAsking(false),
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
  });
  if (!canAccess) return null;
  const code = reveal.data;
  return (
    <>
      <Button
        size="small"
        startIcon={<VisibilityIcon />}
        onClick={(e) => {
          e.stopPropagation();
          setAsking(true);
        }}
        data-testid="reveal-code"
      >
        {translate('cf.stock.reveal')}
      </Button>
      <Confirm
        isOpen={asking}
        loading={reveal.isPending}
        title={translate('cf.stock.reveal_title')}
        content={translate('cf.stock.reveal_help')}
        onConfirm={() => reveal.mutate()}
        onClose={() => setAsking(false)}
      />
      <SecretDialog
        open={!!code}
        title={translate('cf.stock.revealed')}
        secrets={[
          { label: translate('cf.stock.number'), value: code?.number },
          { label: translate('cf.stock.pin'), value: code?.pin },
          { label: translate('cf.stock.url'), value: code?.url && code.url !== code.number ? code.url : undefined },
        ]}
        notice={translate('cf.stock.reveal_help')}
        onClose={() => reveal.reset()}
      />
    </>
  );
}
