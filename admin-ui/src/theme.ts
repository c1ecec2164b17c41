import { defaultTheme, type RaThemeOptions } from 'react-admin';

// React-admin's default look, with Roboto and Noto Sans SC bundled (no Google Fonts) and calmer surfaces.
export const theme: RaThemeOptions = {
  ...defaultTheme,
  palette: { ...defaultTheme.palette, primary: { main: '#1f5fae' }, secondary: { main: '#263a52' }, background: { default: '#f5f7fa' } },
  typography: { ...defaultTheme.typography, fontFamily: ['Roboto', '"Noto Sans SC Variable"', '"PingFang SC"', '"Microsoft YaHei"', 'sans-serif'].join(',') },
  shape: { borderRadius: 8 },
  sidebar: { width: 220, closedWidth: 55 },
};
