import HistoryIcon from '@mui/icons-material/History';
import { Typography } from '@mui/material';
import { Datagrid, DateInput, FunctionField, List, SelectInput, TextInput, useTranslate } from 'react-admin';
import { WhenField } from '../components/fields';
import { en } from '../i18n/en';

// Who did what, and when. Details are shown as readable "name: value" pairs, never as JSON.
const ACTIONS = Object.keys(en.cf.audit.actions);

function readable(detail: Record<string, unknown>): string {
  return Object.entries(detail ?? {})
    .filter(([k, v]) => v !== null && v !== undefined && k !== 'codeIds')
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? Object.entries(v as object).map(([a, b]) => `${a} ${b}`).join(', ') : String(v)}`)
    .join(' · ');
}

function AuditList() {
  const translate = useTranslate();
  return (
    <List
      filters={[
        <SelectInput key="action" source="action" alwaysOn choices={ACTIONS.map((id) => ({ id, name: translate(`cf.audit.actions.${id}`) }))} />,
        <TextInput key="actor" source="actor" alwaysOn />,
        <DateInput key="from" source="createdFrom" />,
        <DateInput key="to" source="createdTo" />,
      ]}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={50}
      exporter={false}
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <WhenField source="createdAt" />
        <FunctionField source="actor" sortable={false} render={(r: { actor: string }) => r.actor.replace(/^user:/, '')} />
        <FunctionField source="action" sortable={false} render={(r: { action: string }) => translate(`cf.audit.actions.${r.action}`, { _: r.action })} />
        <FunctionField source="target" sortable={false} render={(r: { target: string | null }) => r.target ?? '—'} />
        <FunctionField
          source="detail"
          sortable={false}
          render={(r: { detail: Record<string, unknown> }) => (
            <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 480 }}>
              {readable(r.detail)}
            </Typography>
          )}
        />
      </Datagrid>
    </List>
  );
}

export const AuditLog = { list: AuditList, icon: HistoryIcon };
