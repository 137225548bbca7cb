// File names from clients are metadata, never paths: cleaned for display, and reduced to a safe ASCII
// segment for the object key (the key itself is server-made: uploads/<ownerId>/<fileId>/<safe name>).

const MAX_ORIGINAL_NAME = 200;
const MAX_SAFE_BASE = 80;

/** C0/C1 controls, DEL, and the bidi/zero-width marks used to disguise extensions ("gpj.exe" shown as "exe.jpg"). */
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

function splitExtension(name: string): { base: string; ext: string } {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? { base: name.slice(0, dot), ext: name.slice(dot) } : { base: name, ext: '' };
}

/**
 * The client's name as we keep and show it: the last path segment (browsers on Windows once sent
 * `C:\\Users\\...`), Unicode NFC, no control or bidi characters, whitespace collapsed, at most 200
 * characters (the extension survives truncation). Never empty.
 */
export function cleanOriginalName(raw: string): string {
  const lastSegment = raw.split(/[/\\]/).pop() ?? '';
  let name = lastSegment.normalize('NFC').replace(/[\t\n\r\v\f]/g, ' ').replace(UNSAFE_CHARS, '').replace(/\s+/g, ' ').trim();
  if (name === '.' || name === '..') name = '';
  if (name.length > MAX_ORIGINAL_NAME) {
    const { base, ext } = splitExtension(name);
    const keptExt = ext.length < 20 ? ext : '';
    name = base.slice(0, MAX_ORIGINAL_NAME - keptExt.length).trimEnd() + keptExt;
  }
  return name || 'file';
}

/**
 * A safe ASCII name for the object key and the `name` field: accents dropped, anything outside
 * [A-Za-z0-9._-] turned into '-', no leading dots, a lower-case extension. `My Résumé (final).PDF` ->
 * `My-Resume-final.pdf`.
 */
export function safeObjectName(originalName: string): string {
  const { base, ext } = splitExtension(originalName);
  const ascii = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '');
  const safeBase = ascii(base).slice(0, MAX_SAFE_BASE).replace(/[-.]+$/, '') || 'file';
  const safeExt = ascii(ext.slice(1)).toLowerCase().slice(0, 10);
  return safeExt ? `${safeBase}.${safeExt}` : safeBase;
}
