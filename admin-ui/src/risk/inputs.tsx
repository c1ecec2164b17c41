import { useEffect, useState } from 'react';
import { MenuItem, Stack, TextField } from '@mui/material';
import { InputHelperText, useInput, useTranslate, type Validator } from 'react-admin';
import { DURATION_UNITS, wholeUnit, type DurationUnit } from './shared';

// A duration typed as "24 hours" and kept as 86400 seconds: it keeps what the person typed while
// they type, and shows the server's message for its field under it. (Amounts use MoneyInput.)

const unitSize = (unit: DurationUnit) => DURATION_UNITS.find(([u]) => u === unit)![1];
const isBlank = (v: unknown) => v === null || v === undefined || v === '';

/** The text in the box, following the stored value only when something else changed it. */
function useTextValue(value: unknown, toText: (v: unknown) => string, fromText: (t: string) => unknown): [string, (t: string) => void] {
  const [text, setText] = useState(() => toText(value));
  // The form was reset or loaded a record: show what it holds now.
  useEffect(() => {
    if (fromText(text) !== value && !(isBlank(fromText(text)) && isBlank(value))) setText(toText(value));
  }, [value]);
  return [text, setText];
}

const required: Validator = (v) => (isBlank(v) ? 'ra.validation.required' : undefined);

/** Seconds, typed as a number and a unit. */
export function DurationInput({ source, label, helperText }: { source: string; label: string; helperText?: string }) {
  const translate = useTranslate();
  const { field, fieldState, formState } = useInput({ source, validate: required });
  const [unit, setUnit] = useState<DurationUnit>(() => wholeUnit(field.value));
  const toText = (v: unknown) => (typeof v === 'number' ? String(v / unitSize(wholeUnit(v))) : '');
  const fromText = (t: string) => (t.trim() === '' ? null : Number.isFinite(Number(t)) ? Math.round(Number(t) * unitSize(unit)) : t);
  const [text, setText] = useTextValue(field.value, toText, fromText);
  useEffect(() => {
    if (typeof field.value === 'number' && fromText(text) !== field.value) setUnit(wholeUnit(field.value));
  }, [field.value]);
  const shown = fieldState.error && (fieldState.isTouched || formState.isSubmitted);
  return (
    <Stack direction="row" spacing={1} alignItems="flex-start" sx={{ width: '100%', maxWidth: 420 }}>
      <TextField
        label={translate(label)}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          field.onChange(fromText(e.target.value));
        }}
        onBlur={field.onBlur}
        error={!!shown}
        helperText={<InputHelperText error={shown ? fieldState.error?.message : undefined} helperText={helperText} />}
        inputProps={{ inputMode: 'decimal', name: source }}
        sx={{ flex: 1 }}
      />
      <TextField
        select
        label={translate('cf.risk.units.unit')}
        value={unit}
        onChange={(e) => {
          const next = e.target.value as DurationUnit;
          setUnit(next);
          if (text.trim() !== '' && Number.isFinite(Number(text))) field.onChange(Math.round(Number(text) * unitSize(next)));
        }}
        sx={{ width: 140 }}
        inputProps={{ 'data-testid': `${source}-unit` }}
      >
        {DURATION_UNITS.map(([u]) => (
          <MenuItem key={u} value={u}>
            {translate(`cf.risk.units.${u}`)}
          </MenuItem>
        ))}
      </TextField>
    </Stack>
  );
}
