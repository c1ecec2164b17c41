import { useState } from 'react';
import SearchIcon from '@mui/icons-material/Search';
import { InputAdornment, InputBase } from '@mui/material';
import { alpha } from '@mui/material/styles';
import { useTranslate } from 'react-admin';
import { useNavigate } from 'react-router-dom';

// One search box in the app bar, on every screen: whatever is pasted (a reference, an order id,
// the buyer's email, phone, account or IP, or a code) opens the order list searched for it
// (orders/order-search.ts decides what it matches).
export function AppBarSearch() {
  const translate = useTranslate();
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const go = () => {
    const q = text.trim();
    if (!q) return;
    void navigate(`/orders?filter=${encodeURIComponent(JSON.stringify({ q }))}&page=1`);
    setText('');
  };
  return (
    <InputBase
      value={text}
      onChange={(e) => setText(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') go();
      }}
      placeholder={translate('cf.find.placeholder')}
      inputProps={{ 'aria-label': translate('cf.find.label'), 'data-testid': 'app-search', autoComplete: 'off', spellCheck: false }}
      startAdornment={
        <InputAdornment position="start" sx={{ color: 'inherit' }}>
          <SearchIcon fontSize="small" />
        </InputAdornment>
      }
      sx={(theme) => ({
        color: 'inherit',
        mx: 1,
        px: 1,
        borderRadius: 1,
        bgcolor: alpha(theme.palette.common.white, 0.15),
        '&:hover': { bgcolor: alpha(theme.palette.common.white, 0.25) },
        width: { xs: 140, sm: 240, md: 340 },
      })}
    />
  );
}
