import polyglotI18nProvider from 'ra-i18n-polyglot';
import { resolveBrowserLocale } from 'react-admin';
import { englishConsoleMessages } from './en';
import { withParts } from './parts';

// English and Simplified Chinese, switchable from the app bar; the first visit follows the browser.
// English is in the first load; Chinese is a chunk of its own (zh-dictionary.ts), fetched when
// someone picks it, or before the first screen when they had picked it before (main.tsx), so an
// English reader never downloads it and a Chinese reader never sees English first.
export const LOCALES = [
  { locale: 'en', name: 'English' },
  { locale: 'zh', name: '简体中文' },
];

const english = withParts(englishConsoleMessages, 'en');
let chinese: Promise<typeof english> | undefined;
const loadChinese = () => (chinese ??= import('./zh-dictionary').then((m) => m.chineseDictionary));

export const i18nProvider = polyglotI18nProvider((locale) => (locale === 'zh' ? loadChinese() : english), 'en', LOCALES, { allowMissing: true });

/** The language to open in: the one chosen before (react-admin's store), else the browser's. */
export function chosenLocale(): 'en' | 'zh' {
  try {
    const stored = localStorage.getItem('RaStore.locale');
    if (stored) return JSON.parse(stored) === 'zh' ? 'zh' : 'en';
  } catch {
    // no storage (private mode) or a value not ours: follow the browser
  }
  return resolveBrowserLocale('en') === 'zh' ? 'zh' : 'en';
}

/** Before the first screen: fetch Chinese if that is the language to open in. */
export async function openInChosenLocale(): Promise<void> {
  if (chosenLocale() === 'zh') await i18nProvider.changeLocale('zh').catch(() => undefined);
}

/** The locale to format numbers and dates for (Intl wants a region-free tag). */
export const intlLocale = (locale: string) => (locale === 'zh' ? 'zh-CN' : 'en-US');
