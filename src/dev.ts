/**
 * Whether this is a development build: checks and warnings that cost time or
 * bytes run only then. Where `process` is missing (a page loaded without a
 * bundler) it counts as development.
 */
export function isDevelopment(): boolean {
  return typeof process === 'undefined' || process.env?.NODE_ENV !== 'production';
}
