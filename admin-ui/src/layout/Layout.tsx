import type { ReactNode } from 'react';
import StorefrontIcon from '@mui/icons-material/Storefront';
import { Box, Chip, Typography } from '@mui/material';
import { AppBar, Layout as RaLayout, TitlePortal, useGetIdentity, useTranslate } from 'react-admin';

// The frame around every screen: the merchant and the signed-in role in the app bar, the
// language switch and the user menu beside them (react-admin adds those).

function MerchantBadge() {
  const translate = useTranslate();
  const { identity } = useGetIdentity();
  if (!identity) return null;
  return (
    <Box sx={{ display: { xs: 'none', sm: 'flex' }, alignItems: 'center', gap: 1, mr: 1 }}>
      <StorefrontIcon fontSize="small" />
      <Typography variant="body2" data-testid="merchant-name">
        {identity.merchant?.name}
      </Typography>
      <Chip size="small" label={translate(`cf.roles.${identity.role}`)} sx={{ color: 'inherit', borderColor: 'rgba(255,255,255,0.6)' }} variant="outlined" data-testid="role-chip" />
    </Box>
  );
}

function CardflowAppBar() {
  return (
    <AppBar>
      <TitlePortal />
      <MerchantBadge />
    </AppBar>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  return <RaLayout appBar={CardflowAppBar}>{children}</RaLayout>;
}
