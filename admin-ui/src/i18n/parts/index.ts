// Each feature keeps its console words in its own file here, English and Chinese side by side, so
// features built in parallel do not edit the same lines of en.ts and zh.ts. A part's keys are merged
// over the main dictionaries (deeply), so a part may add `cf.orders.export` next to the existing
// `cf.order` keys. `ConsolePart` makes the Chinese half carry exactly the English half's keys.

// The Chinese dictionary is fetched only when someone reads Chinese (i18n/index.ts), so a part
// whose Chinese half reuses texts of zh.ts takes them as an argument instead of importing zh.ts:
// `zh: (zh) => ({ ... zh.cf.order.errors ... })`, resolved when the Chinese words are merged.
export type ChineseBase = typeof import('../zh').zh;
export type ConsolePart<T> = { en: T; zh: T | ((zh: ChineseBase) => T) };

/** Declares a part; the Chinese half must have the English half's shape. */
// A function declaration (hoisted), not a const: a part imports it from this module while this
// module imports the part, so it must exist before this module's body runs.
export function consolePart<T>(en: T, zh: NoInfer<T> | ((zh: ChineseBase) => NoInfer<T>)): ConsolePart<T> {
  return { en, zh };
}

// One import per feature, and one line each in the list.
import { ledger14Part } from './ledger14';
import { find13Part } from './find13';
import { scale13Part } from './scale13';
import { words13Part } from './words13';
import { upstream18Part } from './upstream18';
import { fixcodesPart } from './fixcodes';
import { notify13Part } from './notify13';
import { products15Part } from './products15';
import { recon14Part } from './recon14';
import { reports14Part } from './reports14';
import { import13Part } from './import13';
import { recovery13Part } from './recovery13';
import { delivery15Part } from './delivery15';
import { reasons16Part } from './reasons16';
import { prepaid18Part } from './prepaid18';
import { console18Part } from './console18';
import { bulk15Part } from './bulk15';
import { words13bPart } from './words13b';
import { fields13Part } from './fields13';
import { reasons13Part } from './reasons13';
import { events13Part } from './events13';
import { voids13Part } from './voids13';
import { misc13Part } from './misc13';
export const consoleParts: ConsolePart<unknown>[] = [
  bulk15Part,
  ledger14Part,
  find13Part,
  scale13Part,
  words13Part,
  upstream18Part,
  fixcodesPart,
  notify13Part,
  products15Part,
  recon14Part,
  reports14Part,
  import13Part,
  recovery13Part,
  delivery15Part,
  reasons16Part,
  prepaid18Part,
  console18Part,
  words13bPart,
  fields13Part,
  reasons13Part,
  events13Part,
  voids13Part,
  misc13Part,
];

type Tree = { [key: string]: unknown };
const isTree = (value: unknown): value is Tree => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The messages with every part's keys laid over them; a part never silently replaces a whole branch. */
export const withParts = <M extends object>(messages: M, locale: 'en' | 'zh'): M => {
  const merge = (into: Tree, from: Tree): Tree => {
    const out: Tree = { ...into };
    for (const [key, value] of Object.entries(from)) out[key] = isTree(value) && isTree(out[key]) ? merge(out[key], value) : value;
    return out;
  };
  const half = (part: ConsolePart<unknown>) => (locale === 'en' ? part.en : typeof part.zh === 'function' ? part.zh(messages) : part.zh);
  return consoleParts.reduce<Tree>((all, part) => merge(all, half(part) as Tree), messages as Tree) as M;
};
