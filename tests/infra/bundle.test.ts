// The parts of the stack that are code rather than template: the esbuild bundle a function ships (built
// offline with the local esbuild), the deploy settings read from CDK context, and the synth-time checks that
// keep the permission map and the contract in step.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ProjectFunction } from '../../infra/constructs/project-function.ts';
import { readDeployConfig, mailAddress } from '../../infra/config.ts';
import { checkPermissionsCoverRoutes, functionPermissions, permissionsOf } from '../../infra/permissions.ts';
import { defaultHandlerEntry, PROJECT_ROOT, type GradHelperStack } from '../../infra/stack.ts';
import type { IConstruct } from 'constructs';
import type { RouteDef } from '../../shared/http/contract.ts';
import { buildTestStack, contractCoveringEveryGroup } from './fixture.ts';
import { build } from 'esbuild';
import { lambdaBundleOptions } from '../../bin/bench/bundle.ts';
import { budgetOf } from '../../bin/bench/budgets.ts';
import { copyBundleSideFiles } from '../../infra/bundling.ts';
import { allRoutes, functionNames } from '../../shared/contract/index.ts';
import { createHttpHandler } from '../../shared/http/pipeline.ts';
import { nonHttpFunctionNames } from '../../infra/permissions.ts';

describe('a project function bundle', () => {
  let outdir: string;
  let bundleDir: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'gradhelper-cdk-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'BundleTest');
    const fn = new ProjectFunction(stack, 'system-function', {
      name: 'system',
      entry: defaultHandlerEntry('system'),
      projectRoot: PROJECT_ROOT,
      environment: {},
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
    const assembly = app.synth();
    const resource = Template.fromStack(stack).findResources('AWS::Lambda::Function')[stack.getLogicalId(fn.function.node.defaultChild as never)];
    const key: string = resource.Properties.Code.S3Key;
    bundleDir = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
    return () => rmSync(outdir, { recursive: true, force: true });
  }, 120_000);

  it('is one minified ESM module with a source map, the AWS SDK inside', () => {
    const main = join(bundleDir, 'index.mjs');
    expect(existsSync(main)).toBe(true);
    expect(existsSync(`${main}.map`)).toBe(true);
    expect(statSync(main).size).toBeLessThan(3 * 1024 * 1024);
  });

  it('loads in a fresh Node.js process as an ES module and exports the handler', () => {
    const url = pathToFileURL(join(bundleDir, 'index.mjs')).href;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); console.log(typeof m.handler);`], {
      cwd: tmpdir(), // nothing from the project's node_modules can be resolved from here
      env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', TABLE_NAME: 't', BUCKET_NAME: 'b', JWT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:x', AWS_REGION: 'eu-west-1', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('function');
  });

  it("does not load Node's web streams at import (middy's import of them is put off until used: infra/bundle-shims)", () => {
    const url = pathToFileURL(join(bundleDir, 'index.mjs')).href;
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(url)}); console.log(process.moduleLoadList.filter((m) => m.startsWith('NativeModule internal/webstreams/readable')).length);`],
      {
        cwd: tmpdir(),
        env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', TABLE_NAME: 't', BUCKET_NAME: 'b', JWT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:x', AWS_REGION: 'eu-west-1', LOG_LEVEL: 'silent' },
        encoding: 'utf8',
      },
    );
    expect(out.trim()).toBe('0');
  });
});

describe('what each function bundles', () => {
  const builds = new Map<string, Promise<{ inputs: string[]; bytes: number }>>();
  /**
   * The files an esbuild bundle of functions/<fn>/handler.ts (or of `entry`) is made of, and its size, with the
   * Lambda bundling options; built once per function.
   */
  function buildOf(fn: string, entry = defaultHandlerEntry(fn)): Promise<{ inputs: string[]; bytes: number }> {
    if (!builds.has(fn)) {
      const out = build({
        ...lambdaBundleOptions,
        absWorkingDir: PROJECT_ROOT,
        tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
        entryPoints: [entry],
        outfile: join(tmpdir(), `bundle-check-${fn}.mjs`),
        write: false,
        metafile: true,
      });
      builds.set(
        fn,
        out.then((o) => ({ inputs: Object.keys(o.metafile.inputs), bytes: o.outputFiles.find((f) => f.path.endsWith('.mjs'))!.contents.length })),
      );
    }
    return builds.get(fn)!;
  }
  const inputsOf = async (fn: string) => (await buildOf(fn)).inputs;
  /** The node_modules packages the function's bundle pulls in. */
  async function packagesIn(fn: string): Promise<Set<string>> {
    return new Set((await inputsOf(fn)).flatMap((p) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1] ?? []));
  }

  it('every bundle is within its cold-start budget: at most 1.5x the bare one-GetItem handler, bundled the same way (bin/bench/budgets.ts)', async () => {
    // Bytes, unlike import times, do not depend on the machine's load, so this half of the budget is a test;
    // `npm run bench` measures the import-time half against the same baseline.
    const bare = await buildOf('bare-handler', join(PROJECT_ROOT, 'bin/bench/bare-handler.ts'));
    const everyFunction = [...new Set([...functionNames, ...nonHttpFunctionNames])].filter((fn) => existsSync(defaultHandlerEntry(fn)));
    const over: string[] = [];
    for (const fn of everyFunction) {
      const ratio = (await buildOf(fn)).bytes / bare.bytes;
      if (ratio > budgetOf(fn).bundle) over.push(`${fn}: ${ratio.toFixed(2)}x (budget ${budgetOf(fn).bundle}x)`);
    }
    expect(over).toEqual([]);
  }, 240_000);

  it('the reports bundle, with its side files, renders a PDF in a fresh Node.js process (PDFKit finds its fonts)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradhelper-pdf-bundle-'));
    try {
      await build({
        ...lambdaBundleOptions,
        absWorkingDir: PROJECT_ROOT,
        tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
        entryPoints: [join(PROJECT_ROOT, 'functions/reports/pdf.ts')],
        outfile: join(dir, 'index.mjs'),
      });
      copyBundleSideFiles('reports', PROJECT_ROOT, dir);
      const url = pathToFileURL(join(dir, 'index.mjs')).href;
      const row = { id: 'task_1', title: 'A title', type: 'essay', subject: 'history', academicLevel: 'phd', status: 'pending', priority: 'low', dueDate: '2025-01-01T00:00:00Z', budgetCents: 100, studentId: 'user_1', createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z', studentName: 'S', studentEmail: 's@x' };
      const script = `const m = await import(${JSON.stringify(url)}); const b = await m.taskReportPdf({ rows: [${JSON.stringify(row)}], filters: [], generatedAt: new Date(), tasksByStatus: [{ label: 'pending', value: 1 }], revenueByMonth: [], revenueCurrency: 'usd' }); console.log(b.subarray(0, 5).toString());`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpdir(), env: { PATH: process.env.PATH }, encoding: 'utf8' });
      expect(out.trim()).toBe('%PDF-');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('busboy is only in the groups with a multipart route, and no bundle carries the Secrets Manager client', async () => {
    const multipartGroups = [...new Set(allRoutes.filter((r) => r.multipart).map((r) => r.fn))].sort();
    expect(multipartGroups).toEqual(['deliverables', 'files', 'users']);
    const everyFunction = [...new Set([...functionNames, ...nonHttpFunctionNames])].filter((fn) => existsSync(defaultHandlerEntry(fn)));
    const withBusboy: string[] = [];
    const withSecretsClient: string[] = [];
    for (const fn of everyFunction) {
      const packages = await packagesIn(fn);
      if (packages.has('busboy')) withBusboy.push(fn);
      if (packages.has('@aws-sdk/client-secrets-manager')) withSecretsClient.push(fn);
    }
    expect(withBusboy.sort()).toEqual(multipartGroups);
    expect(withSecretsClient).toEqual([]);
  }, 180_000);

  it('a group with a multipart route but no parser fails when its handler is made, not on the first upload', () => {
    const route: RouteDef = { method: 'POST', path: '/x', fn: 'files', access: 'authenticated', rateLimit: 'upload', summary: 's', multipart: { fileFields: ['f'], maxFiles: 1, maxFileBytes: () => 1 } };
    expect(() => createHttpHandler({ upload: route }, { upload: async () => ({}) })).toThrow(/POST \/x takes multipart\/form-data: pass \{ parseMultipart \}/);
  });

  it('the reference bundle serves the page, its assets and the documents from its side files, in a fresh Node.js process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradhelper-reference-bundle-'));
    try {
      await build({
        ...lambdaBundleOptions,
        absWorkingDir: PROJECT_ROOT,
        tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
        entryPoints: [defaultHandlerEntry('reference')],
        outfile: join(dir, 'index.mjs'),
      });
      copyBundleSideFiles('reference', PROJECT_ROOT, dir);
      const url = pathToFileURL(join(dir, 'index.mjs')).href;
      // One request per route, as API Gateway sends them; prints status, type and size of each answer.
      const requests = [
        ['GET /docs', {}],
        ['GET /docs/assets/{asset}', { asset: 'swagger-ui-bundle.js' }],
        ['GET /openapi.json', {}],
      ];
      const script = `const m = await import(${JSON.stringify(url)});
        for (const [routeKey, pathParameters] of ${JSON.stringify(requests)}) {
          const r = await m.handler({ routeKey, rawPath: '/v1', headers: {}, pathParameters, requestContext: { requestId: 'r', http: { method: 'GET', sourceIp: '1.2.3.4' } } }, {});
          console.log(r.statusCode, r.headers['Content-Type'], Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8').length);
        }`;
      const env = { PATH: process.env.PATH, TABLE_NAME: 't', BUCKET_NAME: 'b', JWT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:x', AWS_REGION: 'eu-west-1', LOG_LEVEL: 'silent' };
      const lines = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpdir(), env, encoding: 'utf8' }).trim().split('\n');
      expect(lines[0]).toMatch(/^200 text\/html; charset=utf-8 \d+$/);
      expect(lines[1]).toBe(`200 text/javascript; charset=utf-8 ${statSync(join(PROJECT_ROOT, 'node_modules/swagger-ui-dist/swagger-ui-bundle.js')).size}`);
      expect(lines[2]).toMatch(existsSync(join(PROJECT_ROOT, 'docs/openapi.json')) ? /^200 application\/json; charset=utf-8 \d+$/ : /^404 /);
      // The renderer is a side file, never part of the JavaScript Lambda loads.
      expect(statSync(join(dir, 'index.mjs')).size).toBeLessThan(1024 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('PDFKit (and its font machinery) is in the reports bundle only, so no other route pays its cold start', async () => {
    expect(await packagesIn('reports')).toContain('pdfkit');
    const others = [...functionNames, ...nonHttpFunctionNames].filter((fn) => fn !== 'reports' && existsSync(defaultHandlerEntry(fn)));
    const carrying = [];
    for (const fn of others) {
      const packages = await packagesIn(fn);
      if (packages.has('pdfkit') || packages.has('fontkit')) carrying.push(fn);
    }
    expect(carrying).toEqual([]);
  }, 120_000);

  it('no bundle carries classic zod: runtime code validates with zod/mini through shared/zod.ts', async () => {
    // Classic zod's schemas are classes with every method on them, so esbuild cannot drop any of it: one import of
    // 'zod' anywhere in a function's graph adds ~60 KiB of minified code that V8 compiles on every cold start.
    const carrying = [];
    for (const fn of [...functionNames, ...nonHttpFunctionNames].filter((f) => existsSync(defaultHandlerEntry(f)))) {
      const classic = (await inputsOf(fn)).filter((p) => /node_modules\/zod\/(v4\/classic|v3)\//.test(p));
      if (classic.length) carrying.push(`${fn}: ${classic[0]}`);
    }
    expect(carrying).toEqual([]);
    expect(await inputsOf('tasks')).toEqual(expect.arrayContaining([expect.stringMatching(/node_modules\/zod\/v4\/mini\//), expect.stringMatching(/node_modules\/zod\/v4\/locales\/en\.js$/)]));
  }, 120_000);
});

describe('deploy settings from CDK context', () => {
  const withContext = (context: Record<string, unknown>) => new Stack(new App({ context }), 'S');

  it('defaults the allowed origins to the app URL origin', () => {
    const config = readDeployConfig(withContext({ appUrl: 'https://app.example.com/dashboard' }));
    expect(config.allowedOrigins).toEqual(['https://app.example.com']);
  });

  it('reads comma-separated origins, rate limits and the sender', () => {
    const config = readDeployConfig(
      withContext({ allowedOrigins: 'https://a.example.com, https://b.example.com', rateLimitAuthPerMinute: '7', mailFrom: 'Team <team@example.com>' }),
    );
    expect(config.allowedOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(config.rateLimits.authPerMinute).toBe(7);
    expect(mailAddress(config.mailFrom)).toBe('team@example.com');
  });

  it('reads the storage quota and the lifetime of unattached uploads, which reach every function', () => {
    const config = readDeployConfig(withContext({ storageQuotaBytes: '5368709120', unattachedFileTtlSeconds: '3600' }));
    expect(config).toMatchObject({ storageQuotaBytes: 5368709120, unattachedFileTtlSeconds: 3600 });
    const { stack, template } = buildTestStack({ config: { ...config, allowedOrigins: ['https://app.example.com'] } });
    const files = template.findResources('AWS::Lambda::Function')[stack.getLogicalId(stack.functions.get('files')!.function.node.defaultChild as never)];
    expect(files.Properties.Environment.Variables).toMatchObject({ STORAGE_QUOTA_BYTES: '5368709120', UNATTACHED_FILE_TTL_SECONDS: '3600' });
  });

  it.each([
    [{ mailFrom: 'not an address' }, /mailFrom/],
    [{ rateLimitChatPerMinute: '-1' }, /rateLimitChatPerMinute/],
    [{ appUrl: 'not a url' }, /Invalid URL/],
  ])('refuses %o at synth', (context, message) => {
    expect(() => readDeployConfig(withContext(context))).toThrow(message);
  });
});

describe('synth-time checks of the permission map', () => {
  const route = (over: Partial<RouteDef>): RouteDef => ({ method: 'GET', path: '/x', fn: 'system', access: 'public', rateLimit: 'none', summary: 's', ...over });

  it('refuses an endpoint group without an entry', () => {
    expect(() => permissionsOf('no-such-function')).toThrow(/infra\/permissions.ts has no entry for function "no-such-function"/);
  });

  it('refuses a non-public route on a function without the JWT secret', () => {
    expect(() => checkPermissionsCoverRoutes('system', functionPermissions.system, [route({ access: 'authenticated' })])).toThrow(/no jwtSecret/);
  });

  it('refuses a rate-limited route on a function that cannot write the table', () => {
    expect(() => checkPermissionsCoverRoutes('system', functionPermissions.system, [route({ rateLimit: 'general' })])).toThrow(/table "read"/);
  });

  it('refuses a stream consumer whose entry lacks tableStream, and a tableStream entry nothing feeds', () => {
    const { tableStream: _dropped, ...mailerWithout } = functionPermissions.mailer;
    void _dropped;
    expect(() => buildTestStack({ permissions: { ...functionPermissions, mailer: mailerWithout } })).toThrow(/"mailer" reads the table's stream but its entry lacks tableStream/);
    expect(() => buildTestStack({ streamSubscriptions: [] })).toThrow(/"mailer" has tableStream but no entry in shared\/streams\/subscriptions.ts/);
  });

  it('accepts the current contract', () => {
    for (const [fn, routes] of Object.entries(contractCoveringEveryGroup())) {
      expect(() => checkPermissionsCoverRoutes(fn, permissionsOf(fn), Object.values(routes))).not.toThrow();
    }
  });
});

describe('a function with `scheduler`', () => {
  const statementsOf = (stack: GradHelperStack, template: Template, role: IConstruct) => {
    const roleId = stack.getLogicalId(role.node.defaultChild as never);
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
  };
  const fnArn = (stack: GradHelperStack, fn: string) => ({ 'Fn::GetAtt': [stack.getLogicalId(stack.functions.get(fn)!.function.node.defaultChild as never), 'Arn'] });

  it('manages schedules only in the app group and passes only the scheduler role, which may invoke only it', () => {
    const { stack, template } = buildTestStack({ permissions: { ...functionPermissions, tasks: { ...functionPermissions.tasks, scheduler: true } } });
    const tasks = stack.functions.get('tasks')!;
    const statements = statementsOf(stack, template, tasks.role);
    const manage = statements.find((s) => s.Sid === 'ManageSchedules');
    expect(JSON.stringify(manage.Resource)).toMatch(/schedule\/".*\{"Ref":"reminders\w+"\}.*"\/\*"/);
    const pass = statements.find((s) => s.Sid === 'PassSchedulerRole');
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    const invokes = statementsOf(stack, template, stack.schedulerConstruct!.invokeRole).filter((s) => s.Action === 'lambda:InvokeFunction');
    expect(invokes.map((s) => s.Resource)).toEqual(expect.arrayContaining([fnArn(stack, 'tasks')]));
    const env = template.findResources('AWS::Lambda::Function')[stack.getLogicalId(tasks.function.node.defaultChild as never)].Properties.Environment.Variables;
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['SCHEDULE_GROUP_NAME', 'SCHEDULER_ROLE_ARN', 'SCHEDULE_DLQ_ARN']));
    expect(new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('lets the meetings function schedule the reminders function, with retries and a dead-letter queue; schedules invoke only their targets (reminders, and billing for its own due dates)', () => {
    const { stack, template } = buildTestStack();
    const scheduler = stack.schedulerConstruct!;
    const invokes = statementsOf(stack, template, scheduler.invokeRole).filter((s) => s.Action === 'lambda:InvokeFunction');
    expect(invokes.map((s) => s.Resource)).toHaveLength(2);
    expect(invokes.map((s) => s.Resource)).toEqual(expect.arrayContaining([fnArn(stack, 'reminders'), fnArn(stack, 'billing')]));
    const meetingsEnv = template.findResources('AWS::Lambda::Function')[stack.getLogicalId(stack.functions.get('meetings')!.function.node.defaultChild as never)].Properties.Environment.Variables;
    expect(meetingsEnv.REMINDERS_FUNCTION_ARN).toEqual(fnArn(stack, 'reminders'));
    const queueArn = { 'Fn::GetAtt': [stack.getLogicalId(scheduler.deadLetterQueue.node.defaultChild as never), 'Arn'] };
    expect(meetingsEnv.SCHEDULE_DLQ_ARN).toEqual(queueArn);
    // The function's own failed asynchronous invocations go to the same queue.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: stack.getLogicalId(stack.functions.get('reminders')!.function.node.defaultChild as never) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: queueArn } },
    });
    // The recurring reconcile, with a retry policy and the dead-letter queue.
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      Target: { Arn: fnArn(stack, 'reminders'), Input: JSON.stringify({ kind: 'meeting.reconcile' }), RetryPolicy: { MaximumRetryAttempts: 3 }, DeadLetterConfig: { Arn: queueArn } },
    });
  });
});
