// Small real-looking files for the files tests: the leading bytes each format starts with, and zips
// built entry by entry (stored, with real CRCs) so Office documents look like Office documents.
import { crc32, gzipSync } from 'node:zlib';

const ascii = (s: string) => Buffer.from(s, 'latin1');

/** A zip with the given entries stored uncompressed, local headers first, then the central directory. */
export function zipOf(entries: Record<string, string | Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, value] of Object.entries(entries)) {
    const data = typeof value === 'string' ? Buffer.from(value) : value;
    const nameBuf = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    locals.push(local, nameBuf, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const contentTypes = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';
const officeZip = (part: string) =>
  zipOf({ '[Content_Types].xml': contentTypes, '_rels/.rels': '<Relationships/>', [`${part}/document.xml`]: '<document/>' });

function ole2(streamName: string): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header);
  const dir = Buffer.alloc(128);
  Buffer.from('Root Entry', 'utf16le').copy(dir);
  const entry = Buffer.alloc(128);
  Buffer.from(streamName, 'utf16le').copy(entry);
  return Buffer.concat([header, dir, entry, Buffer.alloc(256)]);
}

export const fixtures = {
  pdf: () => ascii('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
  png: () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex')]),
  jpeg: () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), ascii('JFIF\0'), Buffer.alloc(32, 1), Buffer.from([0xff, 0xd9])]),
  gif: () => Buffer.concat([ascii('GIF89a'), Buffer.from([1, 0, 1, 0, 0, 0, 0, 0x3b])]),
  webp: () => Buffer.concat([ascii('RIFF'), Buffer.from([26, 0, 0, 0]), ascii('WEBPVP8 '), Buffer.alloc(18, 0)]),
  zip: () => zipOf({ 'notes/a.txt': 'hello', 'notes/b.txt': 'world' }),
  docx: () => officeZip('word'),
  xlsx: () => officeZip('xl'),
  pptx: () => officeZip('ppt'),
  doc: () => ole2('WordDocument'),
  xls: () => ole2('Workbook'),
  ppt: () => ole2('PowerPoint Document'),
  rtf: () => ascii('{\\rtf1\\ansi Hello}'),
  txt: () => Buffer.from('Plain notes, with ünïcödé ✓\n'),
  csv: () => Buffer.from('name,grade\nAda,A\n'),
  md: () => Buffer.from('# Title\n\nSome *markdown*.\n'),
  sevenZip: () => Buffer.concat([Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04]), Buffer.alloc(24, 7)]),
  rar: () => Buffer.concat([ascii('Rar!\x1a\x07\x01\x00'), Buffer.alloc(24, 3)]),
  gz: () => gzipSync(Buffer.from('compressed text')),
  exe: () => Buffer.concat([ascii('MZ'), Buffer.from([0x90, 0x00, 0x03, 0x00]), Buffer.alloc(58, 0)]),
  html: () => Buffer.from('<!doctype html><script>alert(1)</script>'),
  svg: () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
  binary: () => Buffer.from([0x00, 0x01, 0x02, 0xfe, 0xff, 0x00, 0x10]),
};
