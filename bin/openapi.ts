// `npm run openapi`: writes docs/openapi.json (HTTP API) and docs/asyncapi.json (WebSocket API) from the contract
// and its documentation modules. tests/contract/openapi.test.ts checks both files are up to date and lint clean.
import { writeFileSync } from 'node:fs';
import { buildDocuments } from '../shared/contract/docs/documents.ts';

const { openapi, asyncapi } = buildDocuments();
writeFileSync('docs/openapi.json', JSON.stringify(openapi, null, 2) + '\n');
writeFileSync('docs/asyncapi.json', JSON.stringify(asyncapi, null, 2) + '\n');
const operations = Object.values(openapi.paths).reduce((n, p) => n + Object.keys(p).length, 0);
console.log(`docs/openapi.json: ${Object.keys(openapi.paths).length} paths, ${operations} operations`);
console.log(`docs/asyncapi.json: ${Object.keys(asyncapi.channels).length} channel(s), ${Object.keys(asyncapi.components.messages).length} messages`);
