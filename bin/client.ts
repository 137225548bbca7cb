// `npm run client` (after `npm run openapi`): the typed client's generated files in client/.
//   client/schema.d.ts  every HTTP operation, from docs/openapi.json (openapi-typescript), for openapi-fetch
//   client/events.d.ts  every WebSocket frame both ways, from shared/realtime (zod -> JSON Schema -> openapi-typescript)
// so nothing in client/ imports server code. `--openapi <file>` and `--out <dir>` point elsewhere (the test
// regenerates into a temporary folder and compares with the committed files).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { Events } from '../shared/realtime/events.ts';
import { ClientActions } from '../shared/realtime/actions.ts';

const pascal = (name: string) => name.replace(/(^|[._$-])(\w)/g, (_m, _sep, c: string) => c.toUpperCase());

function jsonSchemaOf(schema: z.core.$ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** The realtime protocol as OpenAPI components (one schema per frame), which openapi-typescript turns into types. */
function realtimeComponents() {
  const schemas: Record<string, unknown> = {};
  const events: [string, string][] = [];
  for (const def of Object.values(Events)) {
    const name = `${pascal(def.type)}Event`;
    const optional = z.safeParse(def.schema, undefined).success;
    schemas[name] = {
      type: 'object',
      required: optional ? ['type'] : ['type', 'data'],
      properties: { type: { type: 'string', const: def.type }, data: jsonSchemaOf(def.schema) },
    };
    events.push([def.type, name]);
  }
  const actions: [string, string][] = [];
  for (const [action, schema] of Object.entries(ClientActions)) {
    const name = `${pascal(action)}Action`;
    schemas[name] = jsonSchemaOf(schema);
    actions.push([action, name]);
  }
  return { schemas, events, actions };
}

const line = (entries: [string, string][], of: (schema: string) => string) =>
  entries.map(([key, schema]) => `  ${JSON.stringify(key)}: ${of(schema)};`).join('\n');

export async function generateClientFiles(openapi: unknown): Promise<Record<string, string>> {
  const schema = COMMENT_HEADER + astToString(await openapiTS(openapi as never));
  const realtime = realtimeComponents();
  const doc = { openapi: '3.1.0', info: { title: 'GradHelper WebSocket frames', version: '1.0.0' }, paths: {}, components: { schemas: realtime.schemas } };
  const events =
    COMMENT_HEADER +
    '// From shared/realtime/events.ts (server frames) and shared/realtime/actions.ts (client frames), by `npm run client`.\n\n' +
    astToString(await openapiTS(doc as never)) +
    `\n/** The data of each server frame, by its \`type\`. */\nexport interface ServerEventMap {\n${line(realtime.events, (s) => `components['schemas']['${s}']['data']`)}\n}\n` +
    `\n/** Any frame the server sends: \`{ type, data }\`. */\nexport type ServerEvent = ${realtime.events.map(([, s]) => `components['schemas']['${s}']`).join(' | ')};\n` +
    `\n/** Each frame a client may send, by its \`action\`. */\nexport interface ClientActionMap {\n${line(realtime.actions, (s) => `components['schemas']['${s}']`)}\n}\n`;
  return { 'schema.d.ts': schema, 'events.d.ts': events };
}

async function main() {
  const { values } = parseArgs({ options: { openapi: { type: 'string', default: 'docs/openapi.json' }, out: { type: 'string', default: 'client' } } });
  const files = await generateClientFiles(JSON.parse(readFileSync(values.openapi!, 'utf8')));
  mkdirSync(values.out!, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(values.out!, name), text);
  console.log(`${values.out}/: ${Object.keys(files).join(', ')} from ${values.openapi} and shared/realtime`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
