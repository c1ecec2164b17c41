import '@fontsource/roboto/300.css';
import '@fontsource/roboto/400.css';
import '@fontsource/roboto/500.css';
import '@fontsource/roboto/700.css';
// Chinese glyphs, in slices the browser fetches only as a page needs them.
import '@fontsource-variable/noto-sans-sc';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { i18nProvider, openInChosenLocale } from './i18n';

// The sign-in page already speaks the remembered language (its words fetched first if Chinese);
// layout/ConsoleChrome.tsx keeps <html lang> in step after.
void openInChosenLocale().then(() => {
  document.documentElement.lang = i18nProvider.getLocale() === 'zh' ? 'zh-CN' : 'en';
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
