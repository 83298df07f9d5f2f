/** Deepest nesting any request body or WebSocket frame may have; no route takes more than a few levels. */
export const MAX_INPUT_DEPTH = 16;

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks untrusted, already parsed input (iteratively: a 5,000-level body must not blow the
 * stack) for what validation decorators don't catch: excessive nesting, NUL characters
 * (PostgreSQL text cannot hold them, so they would fail deep inside a write), U+FFFD (what
 * bytes that are not UTF-8 decode to: the client sent something else than UTF-8 JSON) and,
 * optionally, prototype-pollution keys. Returns the first problem, or null.
 */
export const inputProblem = (value: unknown, options: { maxDepth?: number; forbidPrototypeKeys?: boolean } = {}): string | null => {
  const maxDepth = options.maxDepth ?? MAX_INPUT_DEPTH;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item === 'string') {
      const text = textProblem(item);
      if (text) return text;
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    if (depth >= maxDepth) return `input is nested deeper than ${maxDepth} levels`;
    for (const [key, child] of Object.entries(item)) {
      if (options.forbidPrototypeKeys && PROTOTYPE_KEYS.has(key)) return `property ${key} is not allowed`;
      const text = textProblem(key);
      if (text) return text;
      stack.push([child, depth + 1]);
    }
  }
  return null;
};

/** NUL or U+FFFD in one string, described; null when clean. */
export const textProblem = (text: string): string | null => {
  if (text.includes('\u0000')) return 'text must not contain NUL characters';
  if (text.includes('\uFFFD')) return 'text is not valid UTF-8';
  return null;
};
