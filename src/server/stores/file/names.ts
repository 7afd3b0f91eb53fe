import { createHash } from 'node:crypto';

/**
 * A file or folder name for a space or a key: readable where it can be, and
 * always ending in a hash of the exact string. encodeURIComponent keeps '/',
 * '\\', ':', '..' and control characters out of the name ('*' and '.' are
 * escaped too, for Windows and hidden files); the hash keeps names that
 * differ only in case apart on case-insensitive disks and bounds the length.
 */
export function nameOf(value: string, suffix = ''): string {
  const readable = encodeURIComponent(value)
    .replace(/[*.!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .slice(0, 80)
    .replace(/%[0-9A-F]?$/, '');
  return `${readable}~${createHash('sha256').update(value).digest('hex').slice(0, 24)}${suffix}`;
}
