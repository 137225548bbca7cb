// The X-Ray trace header Lambda sets for each invocation of a traced function (`_X_AMZN_TRACE_ID`):
// `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`. Read per call: it changes with
// every invocation while the module stays loaded.

export interface TraceHeader {
  root: string;
  parent?: string;
  sampled: boolean;
}

let lastRaw: string | undefined;
let lastParsed: TraceHeader | undefined;

export function traceHeader(raw = process.env._X_AMZN_TRACE_ID): TraceHeader | undefined {
  if (!raw) return undefined;
  if (raw === lastRaw) return lastParsed;
  const parts = Object.fromEntries(raw.split(';').map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()]));
  lastRaw = raw;
  lastParsed = parts.Root ? { root: parts.Root, parent: parts.Parent, sampled: parts.Sampled === '1' } : undefined;
  return lastParsed;
}

/** The trace id (`Root`) of the invocation in progress, if it has one. */
export const traceRoot = (): string | undefined => traceHeader()?.root;
