import { describe, expect, it } from 'vitest';
import { resolveDeclaredType, resolveFileType, sniffContentType } from '../../shared/storage/sniff.ts';
import { fixtures, zipOf } from '../support/file-fixtures.ts';

describe('sniffContentType', () => {
  it.each([
    ['jpeg', fixtures.jpeg(), 'image/jpeg', 'image'],
    ['png', fixtures.png(), 'image/png', 'image'],
    ['gif', fixtures.gif(), 'image/gif', 'image'],
    ['webp', fixtures.webp(), 'image/webp', 'image'],
    ['pdf', fixtures.pdf(), 'application/pdf', 'document'],
    ['docx', fixtures.docx(), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'document'],
    ['xlsx', fixtures.xlsx(), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'document'],
    ['pptx', fixtures.pptx(), 'application/vnd.openxmlformats-officedocument.presentationml.presentation', 'document'],
    ['doc', fixtures.doc(), 'application/msword', 'document'],
    ['xls', fixtures.xls(), 'application/vnd.ms-excel', 'document'],
    ['ppt', fixtures.ppt(), 'application/vnd.ms-powerpoint', 'document'],
    ['rtf', fixtures.rtf(), 'application/rtf', 'document'],
    ['utf-8 text', fixtures.txt(), 'text/plain', 'document'],
    ['zip', fixtures.zip(), 'application/zip', 'archive'],
    ['7z', fixtures.sevenZip(), 'application/x-7z-compressed', 'archive'],
    ['rar', fixtures.rar(), 'application/vnd.rar', 'archive'],
    ['gzip', fixtures.gz(), 'application/gzip', 'archive'],
  ])('recognises %s by its leading bytes', (_name, bytes, mime, kind) => {
    expect(sniffContentType(bytes)).toMatchObject({ mime, kind });
  });

  it.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['a Windows executable', fixtures.exe()],
    ['bytes with NULs', fixtures.binary()],
    ['invalid UTF-8', Buffer.from([0x41, 0xc3, 0x28, 0x41])],
  ])('recognises nothing in %s', (_name, bytes) => {
    expect(sniffContentType(bytes)).toBeUndefined();
  });

  it('accepts a text sample cut in the middle of a multi-byte character', () => {
    const text = Buffer.from('résumé ✓');
    expect(sniffContentType(text.subarray(0, text.length - 1))?.mime).toBe('text/plain');
  });

  it('tells an Office package from a plain zip even when the part folder is beyond the sample', () => {
    const pkg = zipOf({ '[Content_Types].xml': '<Types/>', 'docProps/big.bin': Buffer.alloc(70_000, 1), 'word/document.xml': '<d/>' });
    const head = pkg.subarray(0, 64 * 1024);
    expect(sniffContentType(head)?.compatible).toEqual(['docx', 'xlsx', 'pptx', 'zip']);
  });

  it('leaves an OLE2 container open to doc, xls and ppt when its directory is not in the sample', () => {
    const header = fixtures.doc().subarray(0, 512);
    expect(sniffContentType(header)?.compatible).toEqual(['doc', 'xls', 'ppt']);
  });
});

describe('resolveFileType', () => {
  it('returns the canonical type when bytes, extension and declared type agree', () => {
    expect(resolveFileType({ fileName: 'Report.PDF', declaredMime: 'application/pdf', head: fixtures.pdf() })).toEqual({
      mime: 'application/pdf',
      ext: 'pdf',
      kind: 'document',
    });
  });

  it('lets the extension pick csv or markdown for text, and accepts the types Windows and browsers send', () => {
    expect(resolveFileType({ fileName: 'grades.csv', declaredMime: 'application/vnd.ms-excel', head: fixtures.csv() }).mime).toBe('text/csv');
    expect(resolveFileType({ fileName: 'README.md', declaredMime: 'application/octet-stream', head: fixtures.md() }).mime).toBe('text/markdown');
  });

  it('accepts an Office document named .zip (it is one)', () => {
    expect(resolveFileType({ fileName: 'bundle.zip', declaredMime: 'application/zip', head: fixtures.docx() }).mime).toBe('application/zip');
  });

  it.each([
    ['a .pdf that is really a zip', 'thesis.pdf', 'application/pdf', fixtures.zip()],
    ['a .png that is really a PDF', 'photo.png', 'image/png', fixtures.pdf()],
    ['a .docx that is really a spreadsheet', 'essay.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', fixtures.xlsx()],
    ['a PDF declared as an image', 'paper.pdf', 'image/png', fixtures.pdf()],
    ['text named .pdf', 'notes.pdf', 'application/pdf', fixtures.txt()],
    ['an executable', 'setup.exe', 'application/octet-stream', fixtures.exe()],
    ['an executable named .pdf', 'setup.pdf', 'application/pdf', fixtures.exe()],
    ['HTML', 'page.html', 'text/html', fixtures.html()],
    ['SVG', 'logo.svg', 'image/svg+xml', fixtures.svg()],
    ['a name without an extension', 'README', 'text/plain', fixtures.txt()],
  ])('refuses %s with VALIDATION_ERROR', (_name, fileName, declaredMime, head) => {
    expect(() => resolveFileType({ fileName, declaredMime, head })).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }));
  });
});

describe('resolveDeclaredType', () => {
  it('requires an informative type when asked (direct uploads pin the Content-Type)', () => {
    expect(() => resolveDeclaredType({ fileName: 'a.pdf', declaredMime: 'application/octet-stream', requireMime: true })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_ERROR', details: expect.objectContaining({ field: 'type' }) }),
    );
    expect(resolveDeclaredType({ fileName: 'a.pdf', declaredMime: 'application/pdf', requireMime: true }).mime).toBe('application/pdf');
  });
});
