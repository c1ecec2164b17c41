import { useState } from 'react';
import BlockIcon from '@mui/icons-material/Block';
import CancelIcon from '@mui/icons-material/Cancel';
import EditNoteIcon from '@mui/icons-material/EditNote';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import MoneyOffIcon from '@mui/icons-material/MoneyOff';
import ReplayIcon from '@mui/icons-material/Replay';
import SendIcon from '@mui/icons-material/Send';
import { Button } from '@mui/material';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Confirm, TopToolbar, useCanAccess, useDataProvider, useNotify, useRecordContext, useRefresh, useTranslate } from 'react-admin';
import { errorMessage, ReasonDialog } from '../components/dialogs';
import type { CardflowDataProvider, OrderAction } from '../providers/dataProvider';
import { ManualFulfilDialog, type OrderActionFormProps } from './ManualFulfilDialog';
import type { ConsoleOrder } from './types';

// What can be done to an order, each with the permission it needs (lib/permissions.ts) and the
// state it needs (the API's `actions`). A button shows only when both allow it; the API checks
// both again. Actions from other parts of Cardflow (approve or reject a held order, fulfil by
// hand) slot in as more entries here.

interface OrderActionSpec {
  key: string;
  permission: string;
  endpoint: OrderAction;
  icon: React.ReactElement;
  /** 'confirm' asks yes/no; 'reason' asks why and records it; 'form' opens the action's own form (`form`), which sends it. */
  ask: 'confirm' | 'reason' | 'form';
  form?: React.ComponentType<OrderActionFormProps>;
  danger?: boolean;
  done: (result: unknown, translate: ReturnType<typeof useTranslate>) => { message: string; type: 'info' | 'warning' };
}

const ORDER_ACTIONS: OrderActionSpec[] = [
  {
    key: 'fulfil',
    permission: 'fulfil',
    endpoint: 'manual-fulfilment',
    icon: <EditNoteIcon />,
    ask: 'form',
    form: ManualFulfilDialog,
    done: (_, t) => ({ message: t('cf.order.actions.fulfilled'), type: 'info' }),
  },
  // An order stopped for a person: its missing units become a manual task.
  { key: 'fulfilManually', permission: 'fulfil', endpoint: 'fulfil-manually', icon: <EditNoteIcon />, ask: 'reason', done: (_, t) => ({ message: t('cf.order.actions.retried'), type: 'info' }) },
  { key: 'retry', permission: 'retry', endpoint: 'retry', icon: <ReplayIcon />, ask: 'confirm', done: (_, t) => ({ message: t('cf.order.actions.retried'), type: 'info' }) },
  {
    key: 'resend',
    permission: 'resend',
    endpoint: 'resend-webhook',
    icon: <SendIcon />,
    ask: 'confirm',
    done: (r, t) => {
      const result = r as { outcome: string; httpStatus: number | null; error: string | null };
      return result.outcome === 'sent'
        ? { message: t('cf.order.actions.resent', { status: result.httpStatus ?? '' }), type: 'info' }
        : { message: t('cf.order.actions.resend_failed', { error: result.error ?? '' }), type: 'warning' };
    },
  },
  { key: 'cancel', permission: 'cancel', endpoint: 'cancel', icon: <CancelIcon />, ask: 'reason', danger: true, done: (_, t) => ({ message: t('cf.order.actions.cancelled'), type: 'info' }) },
  { key: 'refund', permission: 'refund', endpoint: 'refund', icon: <MoneyOffIcon />, ask: 'reason', danger: true, done: (_, t) => ({ message: t('cf.order.actions.refunded'), type: 'info' }) },
  // A held order's risk review: the note is the reason, on the timeline and in the audit log.
  { key: 'approve', permission: 'approve', endpoint: 'approve', icon: <CheckCircleIcon />, ask: 'reason', done: (_, t) => ({ message: t('cf.order.actions.approved'), type: 'info' }) },
  { key: 'reject', permission: 'reject', endpoint: 'reject', icon: <BlockIcon />, ask: 'reason', danger: true, done: (_, t) => ({ message: t('cf.order.actions.rejected'), type: 'info' }) },
];

export function OrderActions() {
  const order = useRecordContext<ConsoleOrder>();
  if (!order?.actions) return <TopToolbar />;
  return (
    <TopToolbar>
      {ORDER_ACTIONS.filter((a) => order.actions[a.key]).map((a) => (
        <OrderActionButton key={a.key} spec={a} order={order} />
      ))}
    </TopToolbar>
  );
}

function OrderActionButton({ spec, order }: { spec: OrderActionSpec; order: ConsoleOrder }) {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const queryClient = useQueryClient();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { canAccess } = useCanAccess({ resource: 'orders', action: spec.permission });
  const [open, setOpen] = useState(false);
  const succeeded = (result: unknown) => {
    setOpen(false);
    const { message, type } = spec.done(result, translate);
    notify(message, { type });
    void queryClient.invalidateQueries({ queryKey: ['order-workflow', order.id] });
    refresh();
  };
  const mutation = useMutation({
    mutationFn: (reason?: string) => dataProvider.orderAction(order.id, spec.endpoint, reason ? { reason } : undefined),
    onSuccess: succeeded,
    onError: (err) => {
      if (spec.ask === 'confirm') {
        setOpen(false);
        notify(errorMessage(err), { type: 'error' });
      }
    },
  });
  if (!canAccess) return null;

  const label = translate(`cf.order.actions.${spec.key}`);
  return (
    <>
      <Button startIcon={spec.icon} color={spec.danger ? 'error' : 'primary'} onClick={() => (mutation.reset(), setOpen(true))} data-testid={`order-action-${spec.key}`}>
        {label}
      </Button>
      {spec.form ? (
        <spec.form order={order} open={open} onClose={() => setOpen(false)} onDone={succeeded} />
      ) : spec.ask === 'confirm' ? (
        <Confirm
          isOpen={open}
          loading={mutation.isPending}
          title={label}
          content={translate(`cf.order.actions.${spec.key}_confirm`)}
          onConfirm={() => mutation.mutate(undefined)}
          onClose={() => setOpen(false)}
        />
      ) : (
        <ReasonDialog
          open={open}
          title={translate(`cf.order.actions.${spec.key}_title`)}
          help={translate(`cf.order.actions.${spec.key}_help`)}
          confirmLabel={label}
          danger={spec.danger}
          busy={mutation.isPending}
          error={mutation.error ? errorMessage(mutation.error) : undefined}
          onConfirm={(reason) => mutation.mutate(reason)}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
