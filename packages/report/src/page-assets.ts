import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The in-page script's modules, dependencies first. They are plain browser JavaScript checked
 * with their own tsconfig (page/tsconfig.json: DOM types, no Node types) and importable as ES
 * modules by tests; {@link pageScript} links them into one classic script.
 */
export const PAGE_MODULES = [
  'sha256.js',
  'sha512.js',
  'canonicalize.js',
  'duplicate-keys.js',
  'read.js',
  'commitments.js',
  'integrity.js',
  'ed25519.js',
  'signatures.js',
  'summarize.js',
  'workflow-graph.js',
  'diff.js',
  'format.js',
  'dom.js',
  'ui.js',
  'paging.js',
  'view-model.js',
  'estimates.js',
  'render-disputes.js',
  'render-integrity.js',
  'render-signatures.js',
  'render-header.js',
  'render-workflow.js',
  'render-timeline.js',
  'render-gates.js',
  'render-model-calls.js',
  'render-tool-calls.js',
  'render-artifacts.js',
  'render-diagnostics.js',
  'report.js',
] as const;

/**
 * Packages the page imports by name, inlined into the page before its own modules: exactly these
 * versions (the renderer refuses another one), each ES module a single file whose only export is
 * one `export { … };` list. `@noble/ed25519` verifies Ed25519 signatures where the browser's
 * WebCrypto cannot (audited, MIT; its license header is kept in the page).
 */
export const VENDORED_MODULES = { '@noble/ed25519': '3.2.0' } as const;

// `../page/` resolves to the same folder from src/ (workspace) and from dist/ (published).
const PAGE_DIR = new URL('../page/', import.meta.url);

const IMPORT = /^import \{([^}]*)\} from '(\.\/[\w-]+\.js|@[\w-]+\/[\w-]+)';[ \t]*$/gm;
const EXPORT_LIST = /^export \{([^}]*)\};?[ \t]*$/gm;
const EXPORT = /^export (?:async function|function|const|let|class) (\w+)/gm;

/**
 * The page's script: each module of {@link PAGE_MODULES} in its own function scope, its named
 * imports bound to earlier modules' exports. Only `import { a, b as c } from './x.js'` and
 * `export function|const|let|class` are supported; anything else is an error here, at render
 * time, and in the tests.
 *
 * @example
 * const script = pageScript(); // '(() => {\n"use strict";\nconst modules = …'
 */
export function pageScript(): string {
  const linked = new Set<string>();
  const vendored = Object.entries(VENDORED_MODULES).map(([name, version]) => {
    linked.add(name);
    return vendoredModule(name, version);
  });
  const parts = PAGE_MODULES.map((name) => {
    let source = readFileSync(new URL(name, PAGE_DIR), 'utf8');
    source = source.replace(IMPORT, (_, names: string, specifier: string) => {
      const from = specifier.startsWith('./') ? specifier.slice(2) : specifier;
      if (!linked.has(from))
        throw new Error(`page/${name} imports ${from}, which is not linked before it`);
      const bindings = names
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
        .map((n) => n.replace(/^(\w+) as (\w+)$/, '$1: $2'));
      return `const { ${bindings.join(', ')} } = modules[${JSON.stringify(from)}];`;
    });
    const exported: string[] = [];
    source = source.replace(EXPORT, (match, id: string) => {
      exported.push(id);
      return match.slice('export '.length);
    });
    const leftover = /^\s*(?:import|export)\b.*$/m.exec(source);
    if (leftover)
      throw new Error(`page/${name}: cannot link ${JSON.stringify(leftover[0].trim())}`);
    linked.add(name);
    return `// page/${name}\nmodules[${JSON.stringify(name)}] = (() => {\n${source}\nreturn { ${exported.join(', ')} };\n})();`;
  });
  const script = `(() => {\n'use strict';\nconst modules = Object.create(null);\n${[...vendored, ...parts].join('\n')}\n})();\n`;
  // The script is inlined in a <script> element: these would end or confuse it.
  if (/<\/script|<!--/i.test(script)) throw new Error('the page script contains </script or <!--');
  return script;
}

/**
 * A vendored package's module, linked as the page's own are: its `export { a, b }` list becomes
 * the module's value. Its version must be the pinned one, and nothing else may import or export.
 */
function vendoredModule(name: string, version: string): string {
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as {
    version?: unknown;
  };
  if (pkg.version !== version) {
    throw new Error(`the page needs ${name} ${version}, but ${String(pkg.version)} is installed`);
  }
  let source = readFileSync(require.resolve(name), 'utf8');
  const exported: string[] = [];
  source = source.replace(EXPORT_LIST, (_, names: string) => {
    exported.push(
      ...names
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    );
    return '';
  });
  if (exported.length === 0 || !exported.every((n) => /^\w+$/.test(n))) {
    throw new Error(`${name}: expected one plain export { … } list`);
  }
  // Comments may show imports in examples; code must not have any.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const leftover = /^\s*(?:import|export)\b.*$/m.exec(code);
  if (leftover) throw new Error(`${name}: cannot link ${JSON.stringify(leftover[0].trim())}`);
  return `// ${name} ${version}\nmodules[${JSON.stringify(name)}] = (() => {\n${source}\nreturn { ${exported.join(', ')} };\n})();`;
}

/**
 * The page's stylesheet.
 *
 * @example
 * const css = pageStyles();
 */
export function pageStyles(): string {
  const css = readFileSync(new URL('report.css', PAGE_DIR), 'utf8');
  if (/<\/style/i.test(css)) throw new Error('the page stylesheet contains </style');
  return css;
}
