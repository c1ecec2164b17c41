import { List, type ListProps } from 'react-admin';
import { LoadFailed } from './LoadFailed';

// Every console list: react-admin's <List>, whose error slot is LoadFailed given the list's own
// rows. A first load that fails shows the error panel; a refresh that fails after rows were shown
// keeps them, marked as not current (components/LoadFailed.tsx).
export function ConsoleList({ children, ...props }: ListProps) {
  return (
    <List {...props} error={<LoadFailed rows={children} />}>
      {children}
    </List>
  );
}
