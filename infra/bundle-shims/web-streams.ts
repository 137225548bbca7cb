// Put in place of `node:stream/web` in every bundle (infra/bundling.ts, LAMBDA_BUNDLING.alias).
//
// @middy/core imports `ReadableStream` from `node:stream/web` at its top, for streamed responses (which no
// function here uses: none is set up with streamifyResponse). That one import made every cold start load Node's
// whole web-streams implementation, nine internal modules: about 6% of a bare DynamoDB handler's import (issue
// #15, measured with the bench's instruction counts). Here `ReadableStream` is a stand-in for the global one (the
// same class, which Node loads the first time it is touched): `instanceof`, `new` and its statics reach the real
// class only when used. A module that imports another name from `node:stream/web` fails the build ("No matching
// export"), which is where to add it.

type WebStreams = typeof import('node:stream/web');

function onDemand<K extends keyof WebStreams & keyof typeof globalThis>(name: K): WebStreams[K] {
  const real = () => globalThis[name] as unknown as (new (...args: unknown[]) => object) & Record<PropertyKey, unknown>;
  // A plain function as the target: constructible, and its `prototype` is writable, so the proxy may report
  // the real class's prototype (instanceof reads it).
  return new Proxy(function webStream() {} as unknown as WebStreams[K], {
    get: (_, key) => Reflect.get(real(), key),
    has: (_, key) => Reflect.has(real(), key),
    construct: (_, args) => Reflect.construct(real(), args),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}

export const ReadableStream = onDemand('ReadableStream');
