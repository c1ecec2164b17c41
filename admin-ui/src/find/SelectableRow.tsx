import { Checkbox } from '@mui/material';
import { Children, type ReactNode } from 'react';
import { DatagridBody, DatagridRow, useRecordContext, useTranslate, type DatagridRowProps, type Identifier } from 'react-admin';

// react-admin's own row checkbox puts its aria-label on the checkbox's outer span, so the input a
// screen reader lands on has no name (axe: `label`, `aria-prohibited-attr`). Lists with bulk
// actions use this body instead: the same row, whose select checkbox names the order on the input.

const SELECT_CELL = 'cf-select-cell';

/** The checkbox that chooses one row for a bulk action; its name says which record it chooses. */
function RowSelectCheckbox({
  id,
  selected,
  onToggle,
  nameSource,
}: {
  id: Identifier;
  selected: boolean;
  onToggle: DatagridRowProps['onToggleItem'];
  nameSource: string;
  cellClassName?: string;
}) {
  const translate = useTranslate();
  const record = useRecordContext();
  const name = record?.[nameSource] ?? id;
  return (
    <Checkbox
      color="primary"
      className="select-item"
      checked={selected}
      onClick={(event) => {
        // Shift-click chooses a range: the Datagrid reads the event, as with its own checkbox.
        onToggle?.(id, event);
        event.stopPropagation();
      }}
      inputProps={{ 'aria-label': `${translate('ra.action.select_row', { _: 'Select this row' })}: ${name}` }}
      data-testid="row-select"
    />
  );
}

function SelectableRow({
  nameSource = 'id',
  children,
  hasBulkActions,
  id,
  selected = false,
  onToggleItem,
  ...rest
}: DatagridRowProps & { nameSource?: string; children?: ReactNode }) {
  if (!hasBulkActions || id === undefined)
    return (
      <DatagridRow id={id} {...rest}>
        {children}
      </DatagridRow>
    );
  return (
    <DatagridRow {...rest} id={id} selected={selected} onToggleItem={onToggleItem} hasBulkActions={false}>
      {/* DatagridCell reads cellClassName to size the cell like react-admin's own checkbox cell. */}
      <RowSelectCheckbox cellClassName={SELECT_CELL} id={id} selected={selected} onToggle={onToggleItem} nameSource={nameSource} />
      {Children.toArray(children)}
    </DatagridRow>
  );
}

/** A Datagrid body whose row checkboxes are named by the record's `nameSource` (an order's reference). */
export function selectableBody(nameSource: string) {
  return <DatagridBody row={<SelectableRow nameSource={nameSource} />} />;
}

/** Gives the checkbox cell the width react-admin's own checkbox cell has. */
export const selectableGridSx = { [`& .${SELECT_CELL}`]: { width: 48, padding: '0 0 0 4px' } };
