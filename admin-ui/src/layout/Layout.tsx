import { forwardRef, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import ManageAccountsIcon from '@mui/icons-material/ManageAccounts';
import StorefrontIcon from '@mui/icons-material/Storefront';
import { Box, Chip, ListItemIcon, ListItemText, MenuItem, Typography } from '@mui/material';
import { AppBarSearch } from '../find/AppBarSearch';
import { BulkResultsHost } from '../find/BulkOrderActions';
import { AppBar, Layout as RaLayout, Logout, TitlePortal, UserMenu, useGetIdentity, useTranslate, useUserMenu } from 'react-admin';
import { ConsoleChrome } from './ConsoleChrome';

// The frame around every screen: one search box, the merchant and the signed-in role in the app
// bar, the language switch and the user menu beside them (react-admin adds those).

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
      <Chip
        size="small"
        label={translate(`cf.roles.${identity.role}`)}
        sx={{ color: 'inherit', borderColor: 'rgba(255,255,255,0.6)' }}
        variant="outlined"
        data-testid="role-chip"
      />
    </Box>
  );
}

// "My account" (own password, admin tokens) in the user menu, above signing out.
const AccountMenuItem = forwardRef<HTMLAnchorElement>(function AccountMenuItem(props, ref) {
  const translate = useTranslate();
  const userMenu = useUserMenu();
  return (
    <MenuItem component={Link} to="/account" ref={ref} {...props} onClick={() => userMenu?.onClose()} data-testid="account-menu-item">
      <ListItemIcon>
        <ManageAccountsIcon fontSize="small" />
      </ListItemIcon>
      <ListItemText>{translate('cf.account.title')}</ListItemText>
    </MenuItem>
  );
});

function CardflowAppBar() {
  const translate = useTranslate();
  const { identity } = useGetIdentity();
  return (
    <AppBar
      userMenu={
        // Named by the name it shows, so what a screen reader says and what one sees agree.
        <UserMenu label={identity?.fullName ? `${translate('ra.auth.user_menu')} ${identity.fullName}` : 'ra.auth.user_menu'}>
          <AccountMenuItem />
          <Logout />
        </UserMenu>
      }
    >
      <TitlePortal />
      <AppBarSearch />
      <MerchantBadge />
    </AppBar>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  return (
    <RaLayout appBar={CardflowAppBar}>
      <ConsoleChrome />
      {children}
      <BulkResultsHost />
    </RaLayout>
  );
}
