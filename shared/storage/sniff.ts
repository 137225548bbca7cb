// What a file really is, from its leading bytes, and whether its name and declared type agree.
//
// The allowlist: images (jpeg, png, gif, webp), documents (pdf, docx/xlsx/pptx, legacy doc/xls/ppt,
// rtf, plain text/csv/markdown) and archives (zip, 7z, rar, gzip). Anything else is refused, notably
// HTML and SVG (script in a file served from our bucket) and executables. A file is accepted only when
// the bytes, the file name's extension and the declared MIME type tell the same story: a `.pdf` that is
// really a zip, or an `image/png` that is really a PDF, is refused.
import { validationError } from '../errors.ts';

export type FileKind = 'image' | 'document' | 'archive';

/** One allowed type, keyed by its canonical extension. */
interface AllowedType {
  mime: string;
  kind: FileKind;
  /** File-name extensions that mean this type (lower case, without the dot). */
  exts: readonly string[];
  /** MIME types clients send for it (browsers and OSes disagree, e.g. Windows calls .csv application/vnd.ms-excel). */
  aliases: readonly string[];
}

export const ALLOWED_TYPES = {
  jpg: { mime: 'image/jpeg', kind: 'image', exts: ['jpg', 'jpeg'], aliases: ['image/pjpeg', 'image/jpg'] },
  png: { mime: 'image/png', kind: 'image', exts: ['png'], aliases: ['image/x-png'] },
  gif: { mime: 'image/gif', kind: 'image', exts: ['gif'], aliases: [] },
  webp: { mime: 'image/webp', kind: 'image', exts: ['webp'], aliases: [] },
  pdf: { mime: 'application/pdf', kind: 'document', exts: ['pdf'], aliases: ['application/x-pdf'] },
  docx: { mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', kind: 'document', exts: ['docx'], aliases: [] },
  xlsx: { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', kind: 'document', exts: ['xlsx'], aliases: [] },
  pptx: { mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', kind: 'document', exts: ['pptx'], aliases: [] },
  doc: { mime: 'application/msword', kind: 'document', exts: ['doc'], aliases: [] },
  xls: { mime: 'application/vnd.ms-excel', kind: 'document', exts: ['xls'], aliases: [] },
  ppt: { mime: 'application/vnd.ms-powerpoint', kind: 'document', exts: ['ppt'], aliases: [] },
  rtf: { mime: 'application/rtf', kind: 'document', exts: ['rtf'], aliases: ['text/rtf'] },
  txt: { mime: 'text/plain', kind: 'document', exts: ['txt', 'text'], aliases: [] },
  csv: { mime: 'text/csv', kind: 'document', exts: ['csv'], aliases: ['application/csv', 'application/vnd.ms-excel', 'text/plain', 'text/x-csv'] },
  md: { mime: 'text/markdown', kind: 'document', exts: ['md', 'markdown'], aliases: ['text/x-markdown', 'text/plain'] },
  zip: { mime: 'application/zip', kind: 'archive', exts: ['zip'], aliases: ['application/x-zip-compressed', 'application/x-zip', 'multipart/x-zip'] },
  '7z': { mime: 'application/x-7z-compressed', kind: 'archive', exts: ['7z'], aliases: [] },
  rar: { mime: 'application/vnd.rar', kind: 'archive', exts: ['rar'], aliases: ['application/x-rar-compressed', 'application/x-rar'] },
  gz: { mime: 'application/gzip', kind: 'archive', exts: ['gz', 'tgz'], aliases: ['application/x-gzip', 'application/x-tar+gzip'] },
} as const satisfies Record<string, AllowedType>;

export type AllowedExt = keyof typeof ALLOWED_TYPES;

export interface SniffedType {
  mime: string;
  /** Canonical extension of the most likely type. */
  ext: AllowedExt;
  kind: FileKind;
  /**
   * Every allowed type the bytes are consistent with. Leading bytes cannot always tell: any valid UTF-8
   * text may be .txt, .csv or .md; an OLE2 container may be .doc, .xls or .ppt when its directory is not
   * in the sample; an OOXML document is also a valid .zip.
   */
  compatible: readonly AllowedExt[];
}

/** Bytes read for sniffing (the confirm step reads this many with a ranged GET). */
export const SNIFF_BYTES = 64 * 1024;

const startsWith = (buf: Buffer, bytes: readonly number[], offset = 0) =>
  buf.length >= offset + bytes.length && bytes.every((b, i) => buf[offset + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

function sniffed(ext: AllowedExt, compatible: readonly AllowedExt[] = [ext]): SniffedType {
  const t = ALLOWED_TYPES[ext];
  return { mime: t.mime, ext, kind: t.kind, compatible };
}

/** Names of the first entries of a zip (local file headers), as far as the sample reaches. */
function zipEntryNames(buf: Buffer, max = 64): string[] {
  const names: string[] = [];
  let off = 0;
  while (names.length < max && off + 30 <= buf.length && buf.readUInt32LE(off) === 0x04034b50) {
    const flags = buf.readUInt16LE(off + 6);
    const compressedSize = buf.readUInt32LE(off + 18);
    const nameLength = buf.readUInt16LE(off + 26);
    const extraLength = buf.readUInt16LE(off + 28);
    const nameEnd = off + 30 + nameLength;
    if (nameEnd > buf.length) break;
    names.push(buf.toString('utf8', off + 30, nameEnd));
    const dataStart = nameEnd + extraLength;
    // With a data descriptor (flag bit 3) the size is only known after the data: look for the next header.
    off = flags & 0x08 || compressedSize === 0 ? buf.indexOf('PK\x03\x04', dataStart, 'latin1') : dataStart + compressedSize;
    if (off < 0) break;
  }
  return names;
}

function sniffZip(buf: Buffer): SniffedType {
  const names = zipEntryNames(buf);
  const has = (prefix: string) => names.some((n) => n.startsWith(prefix));
  if (has('word/')) return sniffed('docx', ['docx', 'zip']);
  if (has('xl/')) return sniffed('xlsx', ['xlsx', 'zip']);
  if (has('ppt/')) return sniffed('pptx', ['pptx', 'zip']);
  // Office packages start with these; the part folder may lie beyond the sample.
  if (names.includes('[Content_Types].xml') || names.includes('_rels/.rels')) return sniffed('docx', ['docx', 'xlsx', 'pptx', 'zip']);
  return sniffed('zip');
}

function utf16(s: string): Buffer {
  return Buffer.from(s, 'utf16le');
}

/** OLE2 directory entries name the stream that says which application wrote the file. */
function sniffOle2(buf: Buffer): SniffedType {
  if (buf.includes(utf16('WordDocument'))) return sniffed('doc');
  if (buf.includes(utf16('Workbook')) || buf.includes(utf16('Book\0'))) return sniffed('xls');
  if (buf.includes(utf16('PowerPoint Document'))) return sniffed('ppt');
  return sniffed('doc', ['doc', 'xls', 'ppt']);
}

/** Valid UTF-8 (a multi-byte character cut by the end of the sample is allowed) and no NUL bytes. */
function isUtf8Text(buf: Buffer): boolean {
  if (buf.includes(0)) return false;
  let end = buf.length;
  // Drop an incomplete trailing sequence: the sample may end mid-character.
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = buf[end - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    if (need > back) end -= back;
    break;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/**
 * The allowed type the leading bytes show, or undefined when they match none (or the buffer is empty).
 * Pass at least the first SNIFF_BYTES of the file when you have them.
 */
export function sniffContentType(buf: Buffer): SniffedType | undefined {
  if (buf.length === 0) return undefined;
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return sniffed('jpg');
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return sniffed('png');
  if (startsWith(buf, ascii('GIF87a')) || startsWith(buf, ascii('GIF89a'))) return sniffed('gif');
  if (startsWith(buf, ascii('RIFF')) && startsWith(buf, ascii('WEBP'), 8)) return sniffed('webp');
  if (startsWith(buf, ascii('%PDF-'))) return sniffed('pdf');
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04])) return sniffZip(buf);
  if (startsWith(buf, [0x50, 0x4b, 0x05, 0x06])) return sniffed('zip'); // an empty archive
  if (startsWith(buf, OLE2)) return sniffOle2(buf);
  if (startsWith(buf, ascii('{\\rtf'))) return sniffed('rtf');
  if (startsWith(buf, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return sniffed('7z');
  if (startsWith(buf, ascii('Rar!\x1a\x07\x00')) || startsWith(buf, ascii('Rar!\x1a\x07\x01\x00'))) return sniffed('rar');
  if (startsWith(buf, [0x1f, 0x8b, 0x08])) return sniffed('gz');
  if (isUtf8Text(buf)) return sniffed('txt', ['txt', 'csv', 'md']);
  return undefined;
}

// ---- Agreement of name, declared type and bytes -----------------------------------------------------

const byExtension = new Map<string, AllowedExt>(
  (Object.entries(ALLOWED_TYPES) as [AllowedExt, AllowedType][]).flatMap(([key, t]) => t.exts.map((e) => [e, key] as const)),
);

/** MIME types that say nothing about the content; the bytes and the extension decide then. */
const UNINFORMATIVE_MIME = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

export const ALLOWED_EXTENSIONS: readonly string[] = [...byExtension.keys()];

const normalizeMime = (mime: string | undefined) => (mime ?? '').split(';')[0].trim().toLowerCase();

export interface ResolvedType {
  mime: string;
  ext: AllowedExt;
  kind: FileKind;
}

/** The Content-Type to store and serve: text gets an explicit charset (the allowlist only admits UTF-8 text). */
export function storedContentType(mime: string): string {
  return mime.startsWith('text/') ? `${mime}; charset=utf-8` : mime;
}

/** The allowed type a file name's extension names, or undefined. */
export function typeOfFileName(fileName: string): AllowedExt | undefined {
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0 || dot === fileName.length - 1) return undefined;
  return byExtension.get(fileName.slice(dot + 1).toLowerCase());
}

/**
 * The type a client declares before any byte is seen (direct uploads): the name's extension must be on
 * the allowlist and the declared MIME type must be one that means that extension. Throws 400 otherwise.
 */
export function resolveDeclaredType(input: {
  fileName: string;
  declaredMime?: string;
  /** Request fields to name in errors (default `name` and `type`). */
  nameField?: string;
  typeField?: string;
  /** Refuse an uninformative type (application/octet-stream, empty). */
  requireMime?: boolean;
}): ResolvedType {
  const field = input.typeField ?? 'type';
  const ext = typeOfFileName(input.fileName);
  if (!ext) {
    throw validationError(
      input.nameField ?? 'name',
      `file type not allowed: the name must end in one of .${ALLOWED_EXTENSIONS.join(', .')}`,
      `File type of "${input.fileName}" is not allowed`,
    );
  }
  const t: AllowedType = ALLOWED_TYPES[ext];
  const declared = normalizeMime(input.declaredMime);
  const informative = !UNINFORMATIVE_MIME.has(declared);
  if ((input.requireMime && !informative) || (informative && declared !== t.mime && !t.aliases.includes(declared))) {
    throw validationError(field, `declared type "${declared || '(none)'}" does not match a .${ext} file (expected ${t.mime})`, `Type of "${input.fileName}" does not match its name`);
  }
  return { mime: t.mime, ext, kind: t.kind };
}

/**
 * The type of an uploaded file, checked three ways: the leading bytes must be an allowed type, the name's
 * extension must be one the bytes are consistent with, and the declared MIME type (when informative) must
 * mean that extension. Returns the canonical MIME type to store; throws 400 VALIDATION_ERROR otherwise.
 */
export function resolveFileType(input: { fileName: string; declaredMime?: string; head: Buffer; field?: string }): ResolvedType {
  const field = input.field ?? 'files';
  const bytes = sniffContentType(input.head);
  if (!bytes) {
    throw validationError(field, 'file content is not an allowed type (documents, images, archives)', `Content of "${input.fileName}" is not an allowed file type`);
  }
  const declared = resolveDeclaredType({ fileName: input.fileName, declaredMime: input.declaredMime, nameField: field, typeField: field });
  if (!bytes.compatible.includes(declared.ext)) {
    throw validationError(
      field,
      `content is ${bytes.compatible.map((e) => `.${e}`).join('/')}, not .${declared.ext}`,
      `Content of "${input.fileName}" does not match its name or declared type`,
    );
  }
  return declared;
}
