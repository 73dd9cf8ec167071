// Imported first by report.ts, before zod loads: zod decides whether it may compile parsers with
// `new Function` when a schema is constructed, and it constructs some of its own while it loads,
// so `z.config()` from the page would come too late. The page's CSP forbids eval, and zod's
// probe alone (even caught) is reported as a CSP violation. Jitless, zod parses the same way
// without eval. zod keeps its configuration on this global, shared by every copy of it.

const holder = globalThis as { __zod_globalConfig?: Record<string, unknown> };
holder.__zod_globalConfig = { ...holder.__zod_globalConfig, jitless: true };

export {};
