// bin/spec-summary.ts on a small spec written in every style the product spec uses, so the parser is tested
// in a clone too (where ../shared/api-spec.md is absent and the conformance test's freshness check is skipped).
import { describe, expect, it } from 'vitest';
import { summarizeSpec } from '../../bin/spec-summary.ts';

const fence = '```';
const spec = `
# Title

## Things Endpoints

### POST /things
**Purpose**: Create a thing (Student only)
${fence}json
{
  "kind": "big|small",
  "note": "Just an example",
  "when": "2025-01-01", // date
  "items": [...]
}
${fence}
**Response**:
${fence}json
{
  "success": true,
  "data": {
    "owner": {
      "role": "student|admin",
      "avatar": "https://..."
    },
    "parts": [
      {
        "state": "open|closed"
      }
    ]
  }
}
${fence}

### GET /things (Admin only)
**Purpose**: List things
**Query Parameters**:
- \`page\`: int
- \`status\`: "new|old"
- \`search\`: string

### PUT /things/{thingId}/status
**Purpose**: Move a thing
${fence}json
{
  "status": "new|old|gone",
  "reason": "Optional"
}
${fence}

### GET /things
**Purpose**: List all things
**Query Parameters**:
- \`status\`: "new|lost"

### POST /things/upload
**Purpose**: Upload
**Content-Type**: multipart/form-data
${fence}
files: [file1]
category: "photo|scan"
${fence}

---
### Integration Flow
7. **Status Values**: Only \`new\`, \`old\` are valid.

## Stats Endpoints (Admin only)

### GET /stats
**Purpose**: Counts
**Response**:
${fence}json
{
  "total": 3,
  "byNothing": 2,
  "thingsByStatus": {
    "new": 1,
    "old": 2
  },
  "perMonth": [
    {"month": "2025-01", "amount": 1}
  ]
}
${fence}

## Live Feature

#### REST Endpoints

- **GET /rooms**
  - Lists rooms.
  - Query: \`type=public|private\`

- **WebSocket Events**
  - \`room.message\`: a message

### Example
1. Send via POST \`/rooms/{roomId}/messages\`.
- \`GET /api/rooms/<room_id>/messages/\`
- \`GET /api/users/?role=student\`

## Errors

### Common Error Codes
- \`NOT_FOUND\` (404)
- \`VALIDATION_ERROR\` (400)
`;

describe('the spec summary', () => {
  const summary = summarizeSpec(spec);

  it('lists every METHOD /path heading once, sorted, with its parameters, section and access hint', () => {
    expect(summary.routes.map((r) => [r.method, r.path, r.params, r.section, r.access, r.accessFrom])).toEqual([
      ['GET', '/stats', [], 'Stats Endpoints', 'Admin only', 'section'],
      ['GET', '/things', [], 'Things Endpoints', 'Admin only', 'heading'],
      ['POST', '/things', [], 'Things Endpoints', 'Student only', 'purpose'],
      ['POST', '/things/upload', [], 'Things Endpoints', null, null],
      ['PUT', '/things/{thingId}/status', ['thingId'], 'Things Endpoints', null, null],
    ]);
  });

  it('keeps both occurrences of a route the spec lists twice', () => {
    const list = summary.routes.find((r) => r.method === 'GET' && r.path === '/things');

    expect(list?.purposes).toEqual(['List things', 'List all things']);
    expect(list?.occurrences).toBe(2);
    expect(summary.enums.find((e) => e.path === '/things' && e.in === 'query')?.values).toEqual(['new', 'old', 'lost']);
  });

  it('reads enums from JSON bodies and responses (envelope left out), form bodies, query bullets and prose queries', () => {
    expect(summary.enums.map((e) => `${e.method} ${e.path} ${e.in} ${e.field}${e.of ? ` (${e.of})` : ''}: ${e.values.join('|')}`)).toEqual([
      'GET /rooms query type: public|private',
      'GET /stats response thingsByStatus (keys): new|old',
      'GET /things query status: new|old|lost',
      'POST /things body kind: big|small',
      'POST /things response owner.role: student|admin',
      'POST /things response parts.state: open|closed',
      'POST /things/upload body category: photo|scan',
      'PUT /things/{thingId}/status body status: new|old|gone',
    ]);
  });

  it('reads value lists, event names and error codes outside endpoints, with their context', () => {
    expect(summary.otherEnums).toEqual([
      { context: 'Live Feature › REST Endpoints › WebSocket Events', field: 'event', values: ['room.message'] },
      { context: 'Things Endpoints › Integration Flow', field: 'status', values: ['new', 'old'] },
    ]);
    expect(summary.errorCodes).toEqual([
      { code: 'NOT_FOUND', status: 404 },
      { code: 'VALIDATION_ERROR', status: 400 },
    ]);
  });

  it('records endpoints named outside headings, Django-style paths normalized', () => {
    expect(summary.mentions.map((m) => `${m.method} ${m.path}${m.query ? `?${m.query}` : ''}`)).toEqual([
      'GET /rooms',
      'POST /rooms/{roomId}/messages',
      'GET /rooms/{room_id}/messages',
      'GET /users?role=student',
    ]);
  });

  it('is the same for the same input', () => {
    expect(JSON.stringify(summarizeSpec(spec))).toBe(JSON.stringify(summary));
  });
});
