import KeyIcon from '@mui/icons-material/Key';
import { Button } from '@mui/material';
import { useTranslate } from 'react-admin';
import { Link } from 'react-router-dom';

/** From the order list to "who has this code?" (find/CodeLookup.tsx). */
export function CodeLookupLink() {
  const translate = useTranslate();
  return (
    <Button size="small" component={Link} to="/code-lookup" startIcon={<KeyIcon />} data-testid="code-lookup-open">
      {translate('cf.find.code_lookup')}
    </Button>
  );
}
