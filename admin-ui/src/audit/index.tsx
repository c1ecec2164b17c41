import HistoryIcon from '@mui/icons-material/History';
import { Typography } from '@mui/material';
import { Datagrid, DateInput, FunctionField, SelectInput, TextInput, useTranslate } from 'react-admin';
import { Link } from 'react-router-dom';
import { useIntlLocale, WhenField } from '../components/fields';
import { ExportMenu } from '../find/ExportMenu';
import { detailLine } from '../components/details';
import { formatMoney } from '../money';
import { en } from '../i18n/en';
import { ConsoleList } from '../components/ConsoleList';

// Who did what, and when. Details are shown as readable "name: value" pairs, never as JSON.
const ACTIONS = Object.keys(en.cf.audit.actions);

const MONEY = new Set(['amount', 'revenueReversed', 'costReversed', 'revenue', 'cost', 'unitCost']);

function readable(detail: Record<string, unknown>, locale: string, translate: ReturnType<typeof useTranslate>): string {
  const currency = typeof detail?.currency === 'string' ? detail.currency : undefined;
  // Money is in minor units of the row's currency; everything else is worded by components/details.ts.
  const shown = Object.fromEntries(Object.entries(detail ?? {}).map(([k, v]) => [k, currency && MONEY.has(k) && typeof v === 'number' ? formatMoney(v, currency, locale) : v]));
  return detailLine(shown, locale, translate, ['codeIds', 'currency']);
}

/** An order named in the log links to it. */
function Target({ target }: { target: string | null }) {
  if (!target) return <>—</>;
  const order = /^order:(.+)$/.exec(target);
  return order ? <Link to={`/orders/${order[1]}/show`}>{target}</Link> : <>{target}</>;
}

function AuditList() {
  const translate = useTranslate();
  const locale = useIntlLocale();
  return (
    <ConsoleList
      filters={[
        <SelectInput key="action" source="action" alwaysOn choices={ACTIONS.map((id) => ({ id, name: translate(`cf.audit.actions.${id}`) }))} />,
        <TextInput key="actor" source="actor" alwaysOn />,
        <DateInput key="from" source="createdFrom" />,
        <DateInput key="to" source="createdTo" />,
      ]}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={50}
      exporter={false}
      actions={<ExportMenu kinds={['audit-log']} />}
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <WhenField source="createdAt" />
        <FunctionField source="actor" sortable={false} render={(r: { actor: string }) => r.actor.replace(/^user:/, '')} />
        <FunctionField source="action" sortable={false} render={(r: { action: string }) => translate(`cf.audit.actions.${r.action}`, { _: r.action })} />
        <FunctionField source="target" sortable={false} render={(r: { target: string | null }) => <Target target={r.target} />} />
        <FunctionField
          source="detail"
          sortable={false}
          render={(r: { detail: Record<string, unknown> }) => (
            <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 480 }}>
              {readable(r.detail, locale, translate)}
            </Typography>
          )}
        />
      </Datagrid>
    </ConsoleList>
  );
}

export const AuditLog = { list: AuditList, icon: HistoryIcon };
