import type { Router } from 'express';

// The routes an Express app really serves, read from its routers' stacks (Express 5 / router 2
// keeps each layer's mount path as `rawPath`): `METHOD /path/{param}`, as OpenAPI writes paths.

interface Layer {
  rawPath?: string | string[];
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

export function registeredRoutes(router: Router | { router: Router }, prefix = ''): string[] {
  const stack = ((router as { router?: Router }).router ?? router) as unknown as { stack: Layer[] };
  const found: string[] = [];
  for (const layer of stack.stack) {
    const at = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
    if (layer.route) {
      const path = join(prefix, layer.route.path);
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.push(`${method.toUpperCase()} ${path}`);
    } else if (layer.handle.stack) {
      found.push(...registeredRoutes(layer.handle as unknown as Router, join(prefix, at)));
    }
  }
  return [...new Set(found)].sort();
}

function join(prefix: string, path: string): string {
  const whole = (prefix + (path === '/' ? '' : path)).replace(/\/+$/, '') || '/';
  return whole.replace(/:(\w+)/g, '{$1}');
}
