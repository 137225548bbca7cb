import { describe, expect, it } from 'vitest';
import { cleanOriginalName, safeObjectName } from '../../shared/files/names.ts';
import { attachmentDisposition } from '../../shared/storage/presign.ts';

describe('cleanOriginalName', () => {
  it.each([
    ['My Document.pdf', 'My Document.pdf'],
    ['C:\\Users\\me\\Desktop\\essay.docx', 'essay.docx'],
    ['../../etc/passwd.txt', 'passwd.txt'],
    ['re\u0301sume\u0301.pdf', 'résumé.pdf'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['tab\tand\nnewline.txt', 'tab and newline.txt'],
    ['   spaced   out .md ', 'spaced out .md'],
    ['..', 'file'],
    ['', 'file'],
  ])('%j -> %j', (raw, clean) => {
    expect(cleanOriginalName(raw)).toBe(clean);
  });

  it('cuts long names to 200 characters and keeps the extension', () => {
    const name = cleanOriginalName(`${'a'.repeat(300)}.pdf`);
    expect(name).toHaveLength(200);
    expect(name.endsWith('.pdf')).toBe(true);
  });
});

describe('safeObjectName', () => {
  it.each([
    ['My Résumé (final).PDF', 'My-Resume-final.pdf'],
    ['..hidden.txt', 'hidden.txt'],
    ['日本語.pdf', 'file.pdf'],
    ['a/b\\c.csv', 'a-b-c.csv'],
    ['no-extension', 'no-extension'],
  ])('%j -> %j', (raw, safe) => {
    expect(safeObjectName(raw)).toBe(safe);
  });

  it('is at most 80 characters before the extension', () => {
    expect(safeObjectName(`${'x'.repeat(200)}.pdf`)).toBe(`${'x'.repeat(80)}.pdf`);
  });
});

describe('attachmentDisposition', () => {
  it('gives old clients an ASCII name and current ones the UTF-8 original (RFC 6266)', () => {
    expect(attachmentDisposition('Rapport d’été "v2".pdf')).toBe(
      `attachment; filename="Rapport d__t_ _v2_.pdf"; filename*=UTF-8''Rapport%20d%E2%80%99%C3%A9t%C3%A9%20%22v2%22.pdf`,
    );
  });
});
