// `npm run openapi`: writes docs/openapi.json from the contract.
import { writeFileSync } from 'node:fs';
import { allRoutes } from '../shared/contract/index.ts';
import { buildOpenApi } from '../shared/http/openapi.ts';

const doc = buildOpenApi(allRoutes, process.env.API_URL ?? 'http://localhost:3001/api/v1');
writeFileSync('docs/openapi.json', JSON.stringify(doc, null, 2) + '\n');
console.log(`docs/openapi.json: ${Object.keys(doc.paths).length} paths, ${allRoutes.length} operations`);
