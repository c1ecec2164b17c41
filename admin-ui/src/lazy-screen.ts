import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

// A screen whose code is fetched the first time it is shown (react-admin's layout waits for it
// in a Suspense): the first load carries the frame and the screen asked for, not every screen.
// Vite makes each imported module its own chunk, with a content hash in its name.

export function lazyScreen<M extends Record<K, ComponentType<object>>, K extends keyof M & string>(load: () => Promise<M>, name: K): LazyExoticComponent<M[K]> {
  return lazy(async () => ({ default: (await load())[name] }));
}
