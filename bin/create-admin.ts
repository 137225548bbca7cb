// `npm run create-admin -- --email E --password P --name N [--table T] [--region R]`
// Without --table: the table of the local stack running from LOCAL_STATE_DIR (default .local), found through
// <stateDir>/endpoints.json. With --table: that table in AWS, with the default credentials and region.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import type { User } from '../shared/db/entities/user.ts';
import { Email, NewPassword } from '../shared/contract/auth.ts';
import { AppError } from '../shared/errors.ts';
import { tableTarget, UsageError } from './table-target.ts';
import { createAccount } from '../functions/auth/accounts.ts';

const USAGE = 'Usage: npm run create-admin -- --email <e-mail> --password <password> --name <name> [--table <table>] [--region <region>]';

const Args = z.object({
  email: Email,
  password: NewPassword,
  name: z.string({ error: 'name is required' }).trim().min(1, 'name is required').max(100, 'name must be at most 100 characters'),
  table: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
});

export { UsageError };

function parse(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        name: { type: 'string' },
        table: { type: 'string' },
        region: { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--${issue.path.join('.')}: ${issue.message}\n${USAGE}`);
  }
  return parsed.data;
}

/** Creates the admin; throws UsageError for bad arguments and AppError CONFLICT when the e-mail is taken. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ user: User; where: string }> {
  const args = parse(argv);
  const { db, where } = tableTarget(args, env);
  try {
    // The operator vouches for the address: a later Google sign-in with it links the account and keeps the password.
    const user = await createAccount(db, { name: args.name, email: args.email, password: args.password, role: 'admin', emailVerified: true }, new Date());
    return { user, where };
  } finally {
    db.doc.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2)).then(
    ({ user, where }) => {
      console.log(`Created admin ${user.email} (${user.id}) in ${where}.`);
    },
    (err) => {
      if (err instanceof UsageError) console.error(err.message);
      else if (err instanceof AppError) console.error(`Could not create the admin: ${err.message}`);
      else console.error('Could not create the admin:', err);
      process.exitCode = 1;
    },
  );
}
