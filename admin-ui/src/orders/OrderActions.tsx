import { useState } from 'react';
import BlockIcon from '@mui/icons-material/Block';
import CancelIcon from '@mui/icons-material/Cancel';
import EditNoteIcon from '@mui/icons-material/EditNote';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import MoneyOffIcon from '@mui/icons-material/MoneyOff';
import ReplayIcon from '@mui/icons-material/Replay';
import SendIcon from '@mui/icons-material/Send';
import { Button, Checkbox, FormControlLabel, FormGroup, Typography } from '@mui/material';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Confirm, TopToolbar, useCanAccess, useDataProvider, useNotify, useRecordContext, useRefresh, useTranslate } from 'react-admin';
import { errorMessage, ReasonDialog } from '../components/dialogs';
import type { CardflowDataProvider, OrderAction } from '../providers/dataProvider';
import { ManualFulfilDialog, type OrderActionFormProps } from './ManualFulfilDialog';
import type { ConsoleOrder } from './types';
import { ORDER_ACTIONS, type OrderAction as LifecycleAction } from '../../../orders/lifecycle';

// What can be done to an order, each with the permission it needs (lib/permissions.ts) and the
// state it needs (the API's `actions`, decided by orders/lifecycle.ts). A button shows only when
// both allow it; the API checks both again. Every action the lifecycle names has a button here
// (the Record's type says so), in the lifecycle's order.

interface OrderActionSpec {
  permission: string;
  endpoint: OrderAction;
  icon: React.ReactElement;
  /** 'confirm' asks yes/no; 'reason' asks why and records it; 'form' opens the action's own form (`form`), which sends it. */
  ask: 'confirm' | 'reason' | 'form';
  /** With 'reason': the order's units can be chosen (a refund of some units). */
  chooseUnits?: boolean;
  form?: React.ComponentType<OrderActionFormProps>;
  danger?: boolean;
  /** Its texts' key under cf.order.actions, when not the action's own name. */
  texts?: string;
  done: (result: unknown, translate: ReturnType<typeof useTranslate>) => { message: string; type: 'info' | 'warning' };
}

// An order that needs attention is fulfilled by hand in two steps: its workflow first turns the
// missing units into a manual task (this button), then staff enter the goods as for any manual order.
const HAND_OVER: OrderActionSpec = {
  permission: 'fulfil',
  endpoint: 'fulfil-manually',
  icon: <EditNoteIcon />,
  ask: 'reason',
  texts: 'fulfilManually',
  done: (_, t) => ({ message: t('cf.order.actions.retried'), type: 'info' }),
};

const ACTION_SPECS: Record<LifecycleAction, OrderActionSpec> = {
  fulfil: {
    permission: 'fulfil',
    endpoint: 'manual-fulfilment',
    icon: <EditNoteIcon />,
    ask: 'form',
    form: ManualFulfilDialog,
    done: (_, t) => ({ message: t('cf.order.actions.fulfilled'), type: 'info' }),
  },
  retry: { permission: 'retry', endpoint: 'retry', icon: <ReplayIcon />, ask: 'confirm', done: (_, t) => ({ message: t('cf.order.actions.retried'), type: 'info' }) },
  resend: {
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
  cancel: {
    permission: 'cancel',
    endpoint: 'cancel',
    icon: <CancelIcon />,
    ask: 'reason',
    danger: true,
    done: (_, t) => ({ message: t('cf.order.actions.cancelled'), type: 'info' }),
  },
  refund: {
    permission: 'refund',
    endpoint: 'refund',
    icon: <MoneyOffIcon />,
    ask: 'reason',
    chooseUnits: true,
    danger: true,
    done: (_, t) => ({ message: t('cf.order.actions.refunded'), type: 'info' }),
  },
  // A held order's risk review: the note is the reason, on the timeline and in the audit log.
  approve: { permission: 'approve', endpoint: 'approve', icon: <CheckCircleIcon />, ask: 'reason', done: (_, t) => ({ message: t('cf.order.actions.approved'), type: 'info' }) },
  reject: {
    permission: 'reject',
    endpoint: 'reject',
    icon: <BlockIcon />,
    ask: 'reason',
    danger: true,
    done: (_, t) => ({ message: t('cf.order.actions.rejected'), type: 'info' }),
  },
};

export function OrderActions() {
  const order = useRecordContext<ConsoleOrder>();
  if (!order?.actions) return <TopToolbar />;
  return (
    <TopToolbar>
      {ORDER_ACTIONS.filter((a) => order.actions[a]).map((a) => (
        <OrderActionButton key={a} action={a} spec={a === 'fulfil' && order.status === 'needs_attention' ? HAND_OVER : ACTION_SPECS[a]} order={order} />
      ))}
    </TopToolbar>
  );
}

function OrderActionButton({ action, spec, order }: { action: LifecycleAction; spec: OrderActionSpec; order: ConsoleOrder }) {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const queryClient = useQueryClient();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { canAccess } = useCanAccess({ resource: 'orders', action: spec.permission });
  const [open, setOpen] = useState(false);
  const refundable = order.items.flatMap((i) =>
    i.units.filter((u) => u.status !== 'refunded').map((u) => ({ id: u.id, label: `${i.sku} · ${translate('cf.order.unit', { seq: u.seq })}` })),
  );
  const [units, setUnits] = useState<string[] | undefined>(undefined);
  const chosen = units ?? refundable.map((u) => u.id);
  const succeeded = (result: unknown) => {
    setOpen(false);
    const { message, type } = spec.done(result, translate);
    notify(message, { type });
    void queryClient.invalidateQueries({ queryKey: ['order-workflow', order.id] }); // a failed refetch shows in that query's own state
    refresh();
  };
  const mutation = useMutation({
    mutationFn: (reason?: string) =>
      dataProvider.orderAction(order.id, spec.endpoint, reason ? { reason, ...(spec.chooseUnits && chosen.length < refundable.length ? { unitIds: chosen } : {}) } : undefined),
    onSuccess: succeeded,
    onError: (err) => {
      if (spec.ask === 'confirm') {
        setOpen(false);
        notify(orderError(err, translate), { type: 'error' });
      }
    },
  });
  if (!canAccess) return null;

  const label = translate(`cf.order.actions.${spec.texts ?? action}`);
  return (
    <>
      <Button startIcon={spec.icon} color={spec.danger ? 'error' : 'primary'} onClick={() => (mutation.reset(), setOpen(true))} data-testid={`order-action-${action}`}>
        {label}
      </Button>
      {spec.form ? (
        <spec.form order={order} open={open} onClose={() => setOpen(false)} onDone={succeeded} />
      ) : spec.ask === 'confirm' ? (
        <Confirm
          isOpen={open}
          loading={mutation.isPending}
          title={label}
          content={translate(`cf.order.actions.${spec.texts ?? action}_confirm`)}
          onConfirm={() => mutation.mutate(undefined)}
          onClose={() => setOpen(false)}
        />
      ) : (
        <ReasonDialog
          open={open}
          title={translate(`cf.order.actions.${spec.texts ?? action}_title`)}
          help={translate(`cf.order.actions.${spec.texts ?? action}_help`)}
          confirmLabel={label}
          danger={spec.danger}
          busy={mutation.isPending}
          error={mutation.error ? orderError(mutation.error, translate) : undefined}
          ready={!spec.chooseUnits || chosen.length > 0}
          onConfirm={(reason) => mutation.mutate(reason)}
          onClose={() => setOpen(false)}
        >
          {spec.chooseUnits && refundable.length > 1 && (
            <FormGroup sx={{ mb: 2 }} data-testid="refund-units">
              <Typography variant="caption" color="text.secondary">
                {translate('cf.order.actions.refund_units')}
              </Typography>
              {refundable.map((u) => (
                <FormControlLabel
                  key={u.id}
                  label={u.label}
                  control={<Checkbox checked={chosen.includes(u.id)} onChange={(e) => setUnits(e.target.checked ? [...chosen, u.id] : chosen.filter((id) => id !== u.id))} />}
                />
              ))}
            </FormGroup>
          )}
        </ReasonDialog>
      )}
    </>
  );
}

/** The lifecycle's refusals in the user's language; anything else as the server said it. */
function orderError(err: unknown, translate: ReturnType<typeof useTranslate>): string {
  const code = (err as { body?: { code?: string } }).body?.code;
  return code ? translate(`cf.order.errors.${code}`, { _: errorMessage(err) }) : errorMessage(err);
}
