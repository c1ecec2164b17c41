import polyglotI18nProvider from 'ra-i18n-polyglot';
import { resolveBrowserLocale } from 'react-admin';
import { englishConsoleMessages } from './en';
import { chineseConsoleMessages } from './zh';
import { withParts } from './parts';

// English and Simplified Chinese, switchable from the app bar; the first visit follows the browser.
export const LOCALES = [
  { locale: 'en', name: 'English' },
  { locale: 'zh', name: '简体中文' },
];

export const i18nProvider = polyglotI18nProvider(
  (locale) => (locale === 'zh' ? withParts(chineseConsoleMessages, 'zh') : withParts(englishConsoleMessages, 'en')),
  resolveBrowserLocale('en') === 'zh' ? 'zh' : 'en',
  LOCALES,
  { allowMissing: true },
);

/** The locale to format numbers and dates for (Intl wants a region-free tag). */
export const intlLocale = (locale: string) => (locale === 'zh' ? 'zh-CN' : 'en-US');
