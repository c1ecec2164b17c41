import { useState } from 'react';
import EditIcon from '@mui/icons-material/Edit';
import RuleIcon from '@mui/icons-material/Rule';
import {
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Divider,
  Grid,
  LinearProgress,
  List as MuiList,
  ListItem,
  ListItemText,
  Stack,
  Typography,
} from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  AutocompleteArrayInput,
  AutocompleteInput,
  BooleanField,
  BooleanInput,
  Create,
  CreateButton,
  Datagrid,
  DeleteWithConfirmButton,
  Edit,
  FilterButton,
  Form,
  FunctionField,
  NullableBooleanInput,
  NumberInput,
  ReferenceArrayInput,
  ReferenceInput,
  SaveButton,
  SearchInput,
  SelectInput,
  SimpleForm,
  TextInput,
  Toolbar,
  TopToolbar,
  required,
  useCanAccess,
  useDataProvider,
  useNotify,
  useRecordContext,
  useTranslate,
} from 'react-admin';
import { useWatch, type FieldValues } from 'react-hook-form';
import { COUNTRY_SOURCES, RULE_ACTIONS, RULE_KINDS, SUBJECTS, VELOCITY_MEASURES } from '../../../risk/vocabulary';
import { errorMessage } from '../components/dialogs';
import { MoneyInput, useIntlLocale } from '../components/fields';
import { formatMoney } from '../money';
import type { CardflowDataProvider, RiskSettings } from '../providers/dataProvider';
import { DurationInput } from './inputs';
import { formatDuration, formatRelative, Panel, Row, useMerchantCurrency, useNow, useRuleName, type RuleNameWords } from './shared';
import { LoadFailed } from '../components/LoadFailed';
import { ConsoleList } from '../components/ConsoleList';

// The merchant's risk rules and the thresholds that turn points into decisions. Every change is
// a new version of the rule set (shown above the rules) and applies to orders accepted after it.
// The server validates each rule; its messages appear beside the field they are about.

type RuleKind = (typeof RULE_KINDS)[number];
type Params = Record<string, unknown>;

interface Rule {
  id: string;
  name: string;
  kind: RuleKind;
  action: (typeof RULE_ACTIONS)[number];
  score: number | null;
  enabled: boolean;
  params: Params;
  nameWords?: RuleNameWords;
  ruleSetVersion: number;
}

/** The params each kind takes (risk/rules.ts); the form keeps only these when the kind changes. */
const PARAM_KEYS: Record<RuleKind, string[]> = {
  velocity: ['subject', 'measure', 'windowSeconds', 'max'],
  new_account: ['maxAccountAgeHours', 'minOrderAmount'],
  account_takeover: ['minAccountAgeDays', 'amountMultiple', 'minOrderAmount'],
  first_purchase: ['skus'],
  sku_cap: ['sku', 'maxQuantity', 'maxAmount'],
  order_cap: ['maxQuantity', 'maxAmount'],
  country_mismatch: ['between'],
  disposable_email: [],
};

/** What the API takes: only the chosen kind's params, a score only for a "score" rule. */
function toRuleInput(values: { name: string; kind: string; action: string; enabled?: boolean; score?: number | null; params?: Params }) {
  const kind = values.kind as RuleKind;
  const given = values.params ?? {};
  const params = Object.fromEntries((PARAM_KEYS[kind] ?? []).map((k) => [k, given[k]]).filter(([, v]) => v !== null && v !== undefined && v !== ''));
  return {
    name: values.name,
    kind,
    action: values.action,
    enabled: values.enabled ?? true,
    ...(values.action === 'score' ? { score: values.score ?? undefined } : {}),
    params,
  };
}

const ACTION_COLOUR = { score: 'default', review: 'warning', reject: 'error', allow: 'success' } as const;

function ActionChip({ rule }: { rule: Pick<Rule, 'action' | 'score'> }) {
  const translate = useTranslate();
  const label = rule.action === 'score' ? translate('cf.risk.points', { score: rule.score ?? 0 }) : translate(`cf.risk.actions.${rule.action}`);
  return <Chip size="small" color={ACTION_COLOUR[rule.action]} variant={rule.action === 'score' ? 'outlined' : 'filled'} label={label} />;
}

/** The params a rule's summary reads; each kind has some of them (a velocity rule always has a window). */
type SummaryParams = { windowSeconds: number } & Partial<{
  maxQuantity: number;
  maxAmount: number;
  measure: string;
  max: number;
  subject: string;
  maxAccountAgeHours: number;
  minOrderAmount: number;
  minAccountAgeDays: number;
  amountMultiple: number;
  skus: string[];
  sku: string;
  between: string[];
}>;

/** "More than 10 orders from one IP address within 1 minute", in the reader's language. */
export function useRuleSummary() {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const currency = useMerchantCurrency();
  return (rule: Pick<Rule, 'kind' | 'params'>): string => {
    const p = rule.params as SummaryParams;
    const money = (minor: number | undefined) => formatMoney(minor, currency, locale);
    const limits = () =>
      [p.maxQuantity != null && translate('cf.risk.summary.units', { smart_count: p.maxQuantity }), p.maxAmount != null && money(p.maxAmount)]
        .filter(Boolean)
        .join(translate('cf.risk.summary.or'));
    let text: string;
    switch (rule.kind) {
      case 'velocity':
        text = translate(`cf.risk.summary.velocity_${p.measure}`, {
          max: p.measure === 'amount' ? money(p.max) : p.max,
          subject: translate(`cf.risk.subjects.${p.subject}`),
          window: formatDuration(p.windowSeconds, locale),
        });
        break;
      case 'new_account':
        text = translate('cf.risk.summary.new_account', { hours: p.maxAccountAgeHours, amount: money(p.minOrderAmount) });
        break;
      case 'account_takeover':
        text = translate('cf.risk.summary.account_takeover', { days: p.minAccountAgeDays, multiple: p.amountMultiple, amount: money(p.minOrderAmount) });
        break;
      case 'first_purchase':
        text = translate('cf.risk.summary.first_purchase', { skus: (p.skus ?? []).join(', ') });
        break;
      case 'sku_cap':
        text = translate('cf.risk.summary.sku_cap', { limits: limits(), sku: p.sku });
        break;
      case 'order_cap':
        text = translate('cf.risk.summary.order_cap', { limits: limits() });
        break;
      case 'country_mismatch':
        text = translate('cf.risk.summary.country_mismatch', { a: translate(`cf.risk.countries.${p.between?.[0]}`), b: translate(`cf.risk.countries.${p.between?.[1]}`) });
        break;
      default:
        text = translate(`cf.risk.summary.${rule.kind}`, { _: rule.kind });
    }
    return text.charAt(0).toUpperCase() + text.slice(1);
  };
}

/** The thresholds and the rule-set version, with the latest changes; editable by managers. */
function SettingsPanel() {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const now = useNow();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { canAccess: canEdit } = useCanAccess({ resource: 'risk-settings', action: 'edit' });
  const settings = useQuery({ queryKey: ['risk-settings'], queryFn: () => dataProvider.riskSettings() });
  const history = useQuery({ queryKey: ['risk-rule-sets'], queryFn: () => dataProvider.ruleSetHistory(4) });
  const [editing, setEditing] = useState(false);
  const s = settings.data;
  return (
    <Box sx={{ mt: 2 }}>
      <Panel
        title={translate('cf.risk.settings.title')}
        testId="risk-settings"
        action={
          canEdit && s ? (
            <Button startIcon={<EditIcon />} onClick={() => setEditing(true)} data-testid="risk-settings-edit">
              {translate('cf.risk.settings.edit')}
            </Button>
          ) : undefined
        }
      >
        {!s ? (
          <LinearProgress />
        ) : (
          <Grid container spacing={2}>
            <Grid size={{ xs: 12, md: 6 }}>
              <Chip
                size="small"
                color="primary"
                variant="outlined"
                label={translate('cf.risk.settings.version', { version: s.ruleSetVersion ?? 0 })}
                data-testid="rule-set-version"
                sx={{ mb: 1 }}
              />
              <Row label={translate('cf.risk.settings.reviewScore')}>{s.reviewScore}</Row>
              <Row label={translate('cf.risk.settings.rejectScore')}>{s.rejectScore}</Row>
              <Row label={translate('cf.risk.settings.reviewTimeoutSeconds')}>{formatDuration(s.reviewTimeoutSeconds, locale)}</Row>
              <Row label={translate('cf.risk.settings.model')}>
                {s.model.enabled ? translate('cf.risk.settings.model_on', { points: s.model.maxScore }) : translate('cf.risk.settings.model_off')}
              </Row>
              <Typography variant="caption" color="text.secondary">
                {translate('cf.risk.settings.help')}
              </Typography>
            </Grid>
            <Grid size={{ xs: 12, md: 6 }}>
              <Typography variant="body2" color="text.secondary">
                {translate('cf.risk.settings.history')}
              </Typography>
              <MuiList dense disablePadding data-testid="rule-set-history">
                {(history.data ?? []).map((v) => (
                  <ListItem key={v.id} disableGutters>
                    <ListItemText
                      primary={`v${v.id} · ${v.change}`}
                      secondary={[v.createdAt && formatRelative(v.createdAt, locale, now), translate('cf.risk.settings.by', { by: v.createdBy.replace(/^user:/, '') })]
                        .filter(Boolean)
                        .join(' · ')}
                    />
                  </ListItem>
                ))}
              </MuiList>
            </Grid>
          </Grid>
        )}
      </Panel>
      {s && <SettingsDialog open={editing} settings={s} onClose={() => setEditing(false)} />}
    </Box>
  );
}

function SettingsDialog({ open, settings, onClose }: { open: boolean; settings: RiskSettings; onClose: () => void }) {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const save = async (data: FieldValues) => {
    const values = data as RiskSettings; // the form holds the settings it was given
    try {
      const saved = await dataProvider.saveRiskSettings({
        reviewScore: values.reviewScore,
        rejectScore: values.rejectScore,
        reviewTimeoutSeconds: values.reviewTimeoutSeconds,
        model: { enabled: !!values.model?.enabled, maxScore: values.model?.maxScore },
      });
      notify(translate('cf.risk.settings.saved', { version: saved.ruleSetVersion }), { type: 'info' });
      await queryClient.invalidateQueries({ queryKey: ['risk-settings'] });
      await queryClient.invalidateQueries({ queryKey: ['risk-rule-sets'] });
      onClose();
    } catch (err) {
      const errors = (err as { body?: { errors?: Record<string, string> } }).body?.errors;
      if (errors) return errors;
      notify(errorMessage(err), { type: 'error' });
    }
  };
  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="sm" data-testid="risk-settings-dialog">
      <Form record={settings} onSubmit={save}>
        <DialogTitle>{translate('cf.risk.settings.edit')}</DialogTitle>
        <DialogContent>
          <DialogContentText sx={{ mb: 2 }}>{translate('cf.risk.settings.help')}</DialogContentText>
          <Stack>
            <NumberInput source="reviewScore" label="cf.risk.settings.reviewScore" validate={required()} step={1} />
            <NumberInput source="rejectScore" label="cf.risk.settings.rejectScore" validate={required()} step={1} />
            <DurationInput source="reviewTimeoutSeconds" label="cf.risk.settings.reviewTimeoutSeconds" helperText="cf.risk.settings.review_timeout_help" />
            <BooleanInput source="model.enabled" label="cf.risk.settings.model_enabled" />
            <NumberInput source="model.maxScore" label="cf.risk.settings.model_max" validate={required()} step={1} />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{translate('cf.common.cancel')}</Button>
          <SaveButton alwaysEnable />
        </DialogActions>
      </Form>
    </Dialog>
  );
}

function RuleList() {
  const translate = useTranslate();
  const summary = useRuleSummary();
  const ruleName = useRuleName();
  const { canAccess: canEdit } = useCanAccess({ resource: 'risk-rules', action: 'edit' });
  return (
    <>
      <SettingsPanel />
      <ConsoleList
        filters={[
          <SearchInput key="q" source="q" alwaysOn placeholder={translate('resources.risk-rules.fields.q')} />,
          <SelectInput key="kind" source="kind" choices={RULE_KINDS.map((id) => ({ id, name: translate(`cf.risk.kinds.${id}`) }))} />,
          <SelectInput key="action" source="action" choices={RULE_ACTIONS.map((id) => ({ id, name: translate(`cf.risk.actions.${id}`) }))} />,
          <NullableBooleanInput key="enabled" source="enabled" />,
        ]}
        sort={{ field: 'name', order: 'ASC' }}
        perPage={50}
        exporter={false}
        actions={
          <TopToolbar>
            <FilterButton />
            <CreateButton />
          </TopToolbar>
        }
      >
        <Datagrid rowClick={canEdit ? 'edit' : false} bulkActionButtons={false} data-testid="rules-grid">
          <FunctionField source="name" render={(r: Rule) => ruleName(r.name, r.nameWords)} />
          <FunctionField source="kind" render={(r: Rule) => translate(`cf.risk.kinds.${r.kind}`, { _: r.kind })} />
          <FunctionField
            source="summary"
            sortable={false}
            render={(r: Rule) => (
              <Typography variant="body2" color="text.secondary">
                {summary(r)}
              </Typography>
            )}
          />
          <FunctionField source="action" render={(r: Rule) => <ActionChip rule={r} />} />
          <BooleanField source="enabled" />
        </Datagrid>
      </ConsoleList>
    </>
  );
}

function KindHelp() {
  const translate = useTranslate();
  const kind = useWatch({ name: 'kind' }) as RuleKind | undefined;
  return kind ? (
    <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }} data-testid="rule-kind-help">
      {translate(`cf.risk.kind_help.${kind}`)}
    </Typography>
  ) : null;
}

function ScoreInput() {
  const action = useWatch({ name: 'action' });
  return action === 'score' ? <NumberInput source="score" step={1} validate={required()} /> : null;
}

const SkuInput = ({ source }: { source: string }) => (
  <ReferenceInput source={source} reference="skus">
    <AutocompleteInput optionText="code" validate={required()} sx={{ width: '100%', maxWidth: 420 }} />
  </ReferenceInput>
);

/** The inputs for the chosen kind's params. */
function RuleParams() {
  const translate = useTranslate();
  const currency = useMerchantCurrency();
  const kind = useWatch({ name: 'kind' }) as RuleKind | undefined;
  const measure = useWatch({ name: 'params.measure' });
  const label = (k: string) => `resources.risk-rules.fields.params.${k}`;
  const options = (ids: readonly string[], prefix: string) => ids.map((id) => ({ id, name: translate(`${prefix}.${id}`) }));
  switch (kind) {
    case 'velocity':
      return (
        <>
          <SelectInput source="params.subject" choices={options(SUBJECTS, 'cf.risk.subjects')} validate={required()} />
          <SelectInput source="params.measure" choices={options(VELOCITY_MEASURES, 'cf.risk.measures')} validate={required()} />
          <DurationInput source="params.windowSeconds" label={label('windowSeconds')} />
          {measure === 'amount' ? <MoneyInput source="params.max" label={label('max')} currency={currency} /> : <NumberInput source="params.max" step={1} validate={required()} />}
        </>
      );
    case 'new_account':
      return (
        <>
          <NumberInput source="params.maxAccountAgeHours" validate={required()} />
          <MoneyInput source="params.minOrderAmount" label={label('minOrderAmount')} currency={currency} />
        </>
      );
    case 'first_purchase':
      return (
        <ReferenceArrayInput source="params.skus" reference="skus">
          <AutocompleteArrayInput optionText="code" validate={required()} sx={{ width: '100%', maxWidth: 600 }} />
        </ReferenceArrayInput>
      );
    case 'sku_cap':
      return (
        <>
          <SkuInput source="params.sku" />
          <NumberInput source="params.maxQuantity" step={1} />
          <MoneyInput source="params.maxAmount" label={label('maxAmount')} currency={currency} optional />
        </>
      );
    case 'order_cap':
      return (
        <>
          <NumberInput source="params.maxQuantity" step={1} />
          <MoneyInput source="params.maxAmount" label={label('maxAmount')} currency={currency} optional />
        </>
      );
    case 'account_takeover':
      return (
        <>
          <NumberInput source="params.minAccountAgeDays" step={1} validate={required()} />
          <NumberInput source="params.amountMultiple" validate={required()} />
          <MoneyInput source="params.minOrderAmount" label={label('minOrderAmount')} currency={currency} />
        </>
      );
    case 'country_mismatch':
      return (
        <Stack direction="row" spacing={2}>
          <SelectInput source="params.between.0" choices={options(COUNTRY_SOURCES, 'cf.risk.countries')} validate={required()} />
          <SelectInput source="params.between.1" choices={options(COUNTRY_SOURCES, 'cf.risk.countries')} validate={required()} />
        </Stack>
      );
    default:
      return null;
  }
}

/**
 * A built-in rule's name shown in the reader's language; kept as stored while it is not changed,
 * so the rule stays built-in (its name words follow the language), and the typed words once it is.
 */
function RuleNameInput() {
  const rule = useRecordContext<Rule>();
  const ruleName = useRuleName();
  const worded = rule?.nameWords ? ruleName(rule.name, rule.nameWords) : undefined;
  const format = (value: string | null | undefined) => (worded !== undefined && value === rule?.name ? worded : (value ?? ''));
  const parse = (text: string) => (worded !== undefined && text === worded ? rule!.name : text);
  return <TextInput source="name" validate={required()} fullWidth format={format} parse={parse} />;
}

function RuleFields() {
  const translate = useTranslate();
  return (
    <>
      <RuleNameInput />
      <SelectInput source="kind" choices={RULE_KINDS.map((id) => ({ id, name: translate(`cf.risk.kinds.${id}`) }))} validate={required()} helperText={false} />
      <KindHelp />
      <RuleParams />
      <Divider sx={{ width: '100%', mb: 2 }} />
      <SelectInput source="action" choices={RULE_ACTIONS.map((id) => ({ id, name: translate(`cf.risk.actions.${id}`) }))} validate={required()} helperText="cf.risk.action_help" />
      <ScoreInput />
      <BooleanInput source="enabled" />
    </>
  );
}

const NEW_RULE = { kind: 'velocity', action: 'score', score: 20, enabled: true, params: { subject: 'ip', measure: 'count', between: ['ip', 'card'] } };

function RuleCreate() {
  return (
    <Create redirect="list" transform={toRuleInput}>
      <SimpleForm defaultValues={NEW_RULE}>
        <RuleFields />
      </SimpleForm>
    </Create>
  );
}

function RuleEditToolbar() {
  const translate = useTranslate();
  const rule = useRecordContext<Rule>();
  const ruleName = useRuleName();
  return (
    <Toolbar sx={{ justifyContent: 'space-between' }}>
      <SaveButton />
      <DeleteWithConfirmButton
        mutationMode="pessimistic"
        confirmTitle={translate('cf.risk.delete_title', { name: rule ? ruleName(rule.name, rule.nameWords) : '' })}
        confirmContent={translate('cf.risk.delete_help')}
      />
    </Toolbar>
  );
}

function RuleEdit() {
  return (
    <Edit error={<LoadFailed />} mutationMode="pessimistic" redirect="list" transform={toRuleInput}>
      <SimpleForm toolbar={<RuleEditToolbar />}>
        <RuleFields />
      </SimpleForm>
    </Edit>
  );
}

/** The rule's name in page titles and references, worded like the list's. */
function RuleName() {
  const rule = useRecordContext<Rule>();
  const ruleName = useRuleName();
  return <>{rule ? ruleName(rule.name, rule.nameWords) : ''}</>;
}

export const riskRules = { list: RuleList, create: RuleCreate, edit: RuleEdit, icon: RuleIcon, recordRepresentation: <RuleName /> };
