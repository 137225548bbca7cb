// multipart/form-data parsing with busboy, turning its silent truncation into 413 and bad forms into 400.
import Busboy from 'busboy';
import type { MultipartSpec } from './contract.ts';
import { payloadTooLarge, validationError } from '../errors.ts';

export interface UploadedFile {
  field: string;
  filename: string;
  /** Declared by the client; check `content` before trusting it. */
  mimeType: string;
  content: Buffer;
  size: number;
}

export interface MultipartBody {
  fields: Record<string, string | string[]>;
  files: UploadedFile[];
}

export function parseMultipart(body: Buffer, contentType: string, spec: MultipartSpec): Promise<MultipartBody> {
  const maxFileBytes = spec.maxFileBytes();
  return new Promise((resolve, reject) => {
    let parser: Busboy.Busboy;
    try {
      parser = Busboy({
        headers: { 'content-type': contentType },
        // Browsers send file names as raw UTF-8 in Content-Disposition; busboy's default reads them as latin1.
        defParamCharset: 'utf8',
        // busboy signals 'limit' on reaching fileSize, so allow one byte more: a file of exactly maxFileBytes is fine.
        limits: { fileSize: maxFileBytes + 1, files: spec.maxFiles, fields: 50, fieldSize: 64 * 1024 },
      });
    } catch {
      reject(validationError('body', 'multipart body is malformed (missing boundary?)'));
      return;
    }
    const fields: Record<string, string | string[]> = {};
    const files: UploadedFile[] = [];
    let failed: Error | undefined;
    const fail = (err: Error) => {
      failed ??= err;
    };

    parser.on('field', (name, value) => {
      const key = name.endsWith('[]') ? name.slice(0, -2) : name;
      const existing = fields[key];
      if (existing === undefined) fields[key] = value;
      else fields[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    });
    parser.on('file', (name, stream, info) => {
      // A body that ends inside a file ("Unexpected end of form") errors the file stream as well as the parser,
      // skipped files included; without this listener that error is unhandled and takes the process down.
      stream.on('error', () => fail(validationError('body', 'multipart body ends inside a file (truncated?)')));
      if (!spec.fileFields.includes(name)) {
        stream.resume();
        fail(validationError(name, `unexpected file field; files go in ${spec.fileFields.join(' or ')}`));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () =>
        fail(payloadTooLarge(`File "${info.filename}" is larger than ${maxFileBytes} bytes`, { field: name, maxBytes: maxFileBytes })),
      );
      stream.on('close', () => {
        const content = Buffer.concat(chunks);
        files.push({ field: name, filename: info.filename ?? 'file', mimeType: info.mimeType, content, size: content.length });
      });
    });
    parser.on('filesLimit', () => fail(payloadTooLarge(`At most ${spec.maxFiles} files per request`, { maxFiles: spec.maxFiles })));
    parser.on('fieldsLimit', () => fail(validationError('body', 'too many form fields')));
    // After an error busboy does not always emit 'close': settle on whichever comes first (a promise settles once).
    parser.on('error', (err: Error) => {
      fail(validationError('body', /unexpected end/i.test(err.message) ? 'multipart body ends before its closing boundary (truncated?)' : 'multipart body is malformed'));
      reject(failed);
    });
    parser.on('close', () => (failed ? reject(failed) : resolve({ fields, files })));
    try {
      parser.end(body);
    } catch {
      reject(validationError('body', 'multipart body is malformed'));
    }
  });
}
