// Mail is sent one way only: a request writes an outbox item with its cause (shared/mail/outbox.ts), and only
// the mailer function delivers (functions/mailer/). A domain that called SES or the mailer directly would
// bring back the lost and the phantom mails (and would lack the permission in AWS: only the mailer has
// ses:SendEmail).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../../infra/stack.ts';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const runtimeCode = () => [...tsFiles(join(PROJECT_ROOT, 'functions')), ...tsFiles(join(PROJECT_ROOT, 'shared'))].map((f) => relative(PROJECT_ROOT, f));
/** Value imports (not `import type`) of a module whose specifier matches. */
const importsValueFrom = (file: string, specifier: RegExp) =>
  [...readFileSync(join(PROJECT_ROOT, file), 'utf8').matchAll(/^\s*import\s+(?!type\b)[^;]*?from\s+['"]([^'"]+)['"]/gm)].some((m) => specifier.test(m[1]));

describe('sending mail', () => {
  it('is delivered by the mailer function only; everyone else writes outbox items', () => {
    const deliverers = runtimeCode().filter((f) => importsValueFrom(f, /mail\/mailer\.ts$/));
    expect(deliverers.filter((f) => !f.startsWith('functions/mailer/'))).toEqual([]);
    expect(deliverers).toContain('functions/mailer/handler.ts');
  });

  it('reaches SES from one module', () => {
    expect(runtimeCode().filter((f) => importsValueFrom(f, /^@aws-sdk\/client-sesv2$/))).toEqual(['shared/mail/mailer.ts']);
  });
});
