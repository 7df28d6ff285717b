import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

export interface RealReports {
  /** ESLint's SARIF, from @microsoft/eslint-formatter-sarif. */
  eslintSarif: string;
  /** Biome's own SARIF reporter. */
  biomeSarif: string;
  /** ESLint's JSON output, converted below into SonarQube's generic issue format. */
  eslintJson: string;
}

/** Exit code 1 means "problems found", which is what the fixture is for. */
async function lint(file: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (failed.code === 1 && failed.stdout) return failed.stdout;
    throw new Error(`${file} failed: ${failed.stderr ?? String(error)}`);
  }
}

/** Runs the real linters on a copy of test/fixtures/lint-target and returns their reports. */
export async function lintFixture(): Promise<RealReports> {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-lint-'));
  cpSync(join(root, 'test', 'fixtures', 'lint-target'), dir, { recursive: true });
  const eslintSarif = await lint(
    bin('eslint'),
    // By path: the copy in the temporary folder has no node_modules to resolve it from.
    [
      '--format',
      join(root, 'node_modules', '@microsoft', 'eslint-formatter-sarif', 'sarif.js'),
      '.',
    ],
    dir,
  );
  const eslintJson = await lint(bin('eslint'), ['--format', 'json', '.'], dir);
  const biomeSarif = await lint(bin('biome'), ['lint', '--reporter=sarif', '.'], dir);
  return { eslintSarif, biomeSarif, eslintJson };
}

interface SarifLike {
  runs: Array<{
    tool: {
      driver: {
        name: string;
        rules?: Array<{ id?: string; defaultConfiguration?: { level?: string } }>;
      };
    };
    results?: Array<{ level?: string; ruleId?: string; ruleIndex?: number }>;
  }>;
}

/**
 * Counts a SARIF file's results by level, written independently of the server's parser:
 * a result's own level, else its rule's default level, else warning; `none` is a note.
 */
export function countSarif(text: string): {
  errors: number;
  warnings: number;
  notes: number;
  total: number;
} {
  const sarif = JSON.parse(text) as SarifLike;
  const counts = { errors: 0, warnings: 0, notes: 0, total: 0 };
  for (const run of sarif.runs) {
    const rules = run.tool.driver.rules ?? [];
    for (const result of run.results ?? []) {
      const rule =
        result.ruleIndex !== undefined
          ? rules[result.ruleIndex]
          : rules.find((r) => r.id === result.ruleId);
      const level = result.level ?? rule?.defaultConfiguration?.level ?? 'warning';
      counts.total += 1;
      if (level === 'error') counts.errors += 1;
      else if (level === 'warning') counts.warnings += 1;
      else counts.notes += 1;
    }
  }
  return counts;
}

/** ESLint JSON → SonarQube's generic issue import format (severity 2 → MAJOR, 1 → MINOR). */
export function eslintToGeneric(text: string): { issues: unknown[] } {
  const files = JSON.parse(text) as Array<{
    filePath: string;
    messages: Array<{ ruleId: string | null; severity: number; message: string; line?: number }>;
  }>;
  return {
    issues: files.flatMap((file) =>
      file.messages.map((m) => ({
        engineId: 'eslint',
        ruleId: m.ruleId ?? 'parse-error',
        severity: m.severity === 2 ? 'MAJOR' : 'MINOR',
        type: 'CODE_SMELL',
        primaryLocation: {
          message: m.message,
          filePath: file.filePath.split('/').slice(-1)[0],
          ...(m.line ? { textRange: { startLine: m.line } } : {}),
        },
      })),
    ),
  };
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}
