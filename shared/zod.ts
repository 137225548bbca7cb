// zod for everything that ends up in a Lambda bundle: the functional build (`zod/mini`), with English messages.
// Import it as `import * as z from '<relative path>/zod.ts'`, never 'zod' itself: classic zod's method-chaining
// schemas cannot be tree-shaken, so one classic import anywhere puts all of it (~90 KiB minified) back into the
// bundle, and a function's cold start is mostly V8 compiling its bundle. zod/mini has no default locale: the
// config below gives its issues the same English messages classic zod gives (the API returns them in
// `error.message`), and because every runtime module imports zod through this file it runs before any parse.
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
