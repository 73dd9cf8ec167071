import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The in-page script is TypeScript checked against the DOM library with its own tsconfig (the
// root program has no DOM types). `pnpm typecheck` does not see it; this test does.
describe('page/ (the in-page script)', () => {
  it('type-checks with page/tsconfig.json', () => {
    const configPath = fileURLToPath(new URL('../page/tsconfig.json', import.meta.url));
    const config = ts.getParsedCommandLineOfConfigFile(
      configPath,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    expect(config).toBeDefined();
    const program = ts.createProgram(config!.fileNames, config!.options);
    const messages = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file
        ? `${d.file.fileName.split('/').pop()}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
        : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(config!.fileNames.length).toBeGreaterThan(10);
    expect(messages).toEqual([]);
  });
});
