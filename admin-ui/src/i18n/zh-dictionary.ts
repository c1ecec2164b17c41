import { withParts } from './parts';
import { chineseConsoleMessages } from './zh';

// The whole Chinese dictionary (react-admin's words, the console's, every part's): its own chunk,
// fetched the first time someone reads the console in Chinese (i18n/index.ts).
export const chineseDictionary = withParts(chineseConsoleMessages, 'zh');
