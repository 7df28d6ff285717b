import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findTokens,
  checksum as ruleChecksum,
  tokenKind as ruleTokenKind,
  tokenPattern,
} from '../../contrib/secretlint-rule-orgtoken/index.js';
import {
  checksum,
  generateToken,
  parseToken,
  type TokenKind,
  tokenDetectionRegex,
  tokenPrefixes,
} from '../../src/domain/token-format.js';

const ruleDir = fileURLToPath(new URL('../../contrib/secretlint-rule-orgtoken', import.meta.url));
const gitleaksRule = fileURLToPath(
  new URL('../../contrib/gitleaks/orgtoken.toml', import.meta.url),
);
const secretlintBin = join(
  dirname(createRequire(import.meta.url).resolve('secretlint/package.json')),
  'bin',
  'secretlint.js',
);
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const kinds = Object.keys(tokenPrefixes) as TokenKind[];
const messageIdOfKind: Record<TokenKind, string> = {
  organization: 'OrganizationToken',
  personal: 'PersonalAccessToken',
  ephemeral: 'EphemeralToken',
};

/** `token` with the character at `position` replaced by the next one of the alphabet. */
function withCharChanged(token: string, position: number): string {
  const next = alphabet[(alphabet.indexOf(token[position] ?? '0') + 1) % alphabet.length];
  return token.slice(0, position) + next + token.slice(position + 1);
}

describe("the secretlint rule's checksum, checked against the server's", () => {
  it('accepts every token the server generates, as the kind its prefix names', () => {
    for (const kind of kinds) {
      for (let i = 0; i < 3000; i += 1) {
        const token = generateToken(kind);
        expect(ruleTokenKind(token)).toBe(kind);
      }
    }
  });

  it('computes the same checksum digits as the server for any body', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(tokenPrefixes)),
        fc.string({ unit: fc.constantFrom(...alphabet), minLength: 30, maxLength: 30 }),
        (prefix, random) => {
          const body = `${prefix}_${random}`;
          expect(ruleChecksum(body)).toBe(checksum(body));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('refuses exactly the strings the server refuses, one changed character at a time', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.nat(39),
        fc.constantFrom(...alphabet, '_', '-', ' ', 'é', '\u0000'),
        (kind, position, replacement) => {
          const token = generateToken(kind);
          const changed = token.slice(0, position) + replacement + token.slice(position + 1);
          expect(ruleTokenKind(changed)).toBe(parseToken(changed));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('refuses the wrong lengths and prefixes the server refuses', () => {
    const token = generateToken('organization');
    for (const candidate of [
      token.slice(0, 39),
      `${token}A`,
      `otx${token.slice(3)}`,
      `OTO${token.slice(3)}`,
      `ot${token.slice(3)}`,
      '',
    ]) {
      expect(ruleTokenKind(candidate)).toBeNull();
      expect(parseToken(candidate)).toBeNull();
    }
  });

  it("uses the server's documented detection regex, and so does the gitleaks rule", () => {
    expect(tokenPattern.source).toBe(tokenDetectionRegex.source);
    const toml = readFileSync(gitleaksRule, 'utf8');
    expect(toml.match(/^regex = '''(.*)'''$/m)?.[1]).toBe(tokenDetectionRegex.source);
    const keywords = toml.match(/^keywords = \[(.*)\]$/m)?.[1];
    expect(JSON.parse(`[${keywords}]`)).toEqual(['oto_', 'otu_', 'ote_']);
  });
});

describe('the secretlint rule, scanning a text', () => {
  it('finds a token by its range wherever a word boundary delimits it', () => {
    const token = generateToken('personal');
    const text = `a="${token}" b=${token}\n(${token})`;
    expect(findTokens(text).map(({ start, end }) => text.slice(start, end))).toEqual([
      token,
      token,
      token,
    ]);
  });

  it('skips a token glued to more word characters, as the detection regex does', () => {
    const token = generateToken('ephemeral');
    expect(findTokens(`x${token} ${token}A ${token}_ _${token}`)).toEqual([]);
  });

  it('scans a mebibyte of checksum-broken lookalikes in linear time', () => {
    const lookalike = withCharChanged(generateToken('organization'), 10);
    const lookalikes = `${lookalike} `.repeat(2 ** 20 / 41);
    const wordRun = `oto_${'A'.repeat(2 ** 20)}`;
    const started = performance.now();
    expect(findTokens(lookalikes)).toEqual([]);
    expect(findTokens(wordRun)).toEqual([]);
    // A quadratic scan of 2 MiB would take minutes; a linear one takes milliseconds.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

/** One JSON message of `secretlint --format json`. */
interface SecretlintMessage {
  ruleId: string;
  messageId: string;
  message: string;
  range: [number, number];
  data?: { TOKEN?: string };
}

/** What one file's report says. */
interface SecretlintFileResult {
  filePath: string;
  messages: SecretlintMessage[];
}

/** A finding as the test compares it: the text at the reported range, and the message id. */
interface Finding {
  file: string;
  text: string;
  messageId: string;
}

/** Two new tokens of `kind`. */
function twoOf(kind: TokenKind): [string, string] {
  return [generateToken(kind), generateToken(kind)];
}

// Two cores shared with other suites: starting Node.js and secretlint can take seconds.
describe('the secretlint rule, run by the real secretlint CLI', { timeout: 120_000 }, () => {
  const workspace = mkdtempSync(join(tmpdir(), 'orgtoken-secretlint-'));
  const [oto1, oto2] = twoOf('organization');
  const [otu1, otu2] = twoOf('personal');
  const [ote1, ote2] = twoOf('ephemeral');
  const realTokens = [oto1, oto2, otu1, otu2, ote1, ote2];
  const lookalikes = realTokens.flatMap((token) => [
    withCharChanged(token, 4),
    withCharChanged(token, 20),
    withCharChanged(token, 33),
    withCharChanged(token, 39),
  ]);
  const unrelated = [
    `oto_${'x'.repeat(36)}`,
    `otx_${oto1.slice(4)}`,
    `OTO_${oto1.slice(4)}`,
    oto2.slice(0, 39),
    'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
    '123e4567-e89b-12d3-a456-426614174000',
    'oto_ is the prefix of an organization token',
  ];

  beforeAll(() => {
    writeFileSync(
      join(workspace, '.secretlintrc.json'),
      JSON.stringify({ rules: [{ id: ruleDir }] }),
    );
    writeFileSync(
      join(workspace, 'pipeline.env'),
      `ORGTOKEN_URL=https://orgtoken.example.test\nORGTOKEN_TOKEN=${oto1}\nOTHER=${lookalikes[0]}\n`,
    );
    writeFileSync(
      join(workspace, 'config.json'),
      JSON.stringify({ tokens: [oto2, otu1], lookalikes: lookalikes.slice(1, 12), unrelated }),
    );
    writeFileSync(
      join(workspace, 'notes.md'),
      [
        '# Calling the API',
        `curl -H "Authorization: Bearer ${otu2}" https://orgtoken.example.test/api/v1/me`,
        `An ephemeral token (${ote1}) and another one: '${ote2}'.`,
        ...lookalikes.slice(12),
        ...unrelated,
      ].join('\n'),
    );
    writeFileSync(
      join(workspace, 'lookalikes.txt'),
      [...lookalikes, ...unrelated].join('\n').replaceAll('\n', ' and\n'),
    );
    writeFileSync(join(workspace, 'clean.txt'), unrelated.join('\n'));
  });

  afterAll(() => {
    rmSync(workspace, { recursive: true, force: true });
  });

  /** Runs secretlint in the workspace over `files`, and returns its exit code and findings. */
  const runSecretlint = async (files: string[]) => {
    const child = spawn(
      process.execPath,
      [secretlintBin, '--format', 'json', '--no-color', '--no-terminalLink', ...files],
      { cwd: workspace, env: { PATH: process.env.PATH ?? '' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const [code] = (await once(child, 'close')) as [number | null];
    // Exit code 2 is secretlint's own failure (a rule that does not load, say), with no JSON.
    if (code !== 0 && code !== 1)
      throw new Error(`secretlint exited with ${code}:\n${stderr}${stdout}`);
    const results = JSON.parse(stdout) as SecretlintFileResult[];
    const messages = results.flatMap((result) =>
      result.messages.map((message) => ({ file: result.filePath, message })),
    );
    const findings: Finding[] = messages.map(({ file, message }) => ({
      file: basename(file),
      text: readFileSync(file, 'utf8').slice(message.range[0], message.range[1]),
      messageId: message.messageId,
    }));
    return { code, stderr, findings, messages: messages.map(({ message }) => message) };
  };

  it('sets up lookalikes that the server refuses and real tokens that it accepts', () => {
    for (const token of realTokens) expect(parseToken(token)).not.toBeNull();
    for (const lookalike of lookalikes) {
      expect(lookalike).toMatch(tokenDetectionRegex);
      expect(parseToken(lookalike)).toBeNull();
    }
  });

  it('reports exactly the real tokens of every kind, by kind, and exits 1', async () => {
    const files = ['pipeline.env', 'config.json', 'notes.md', 'lookalikes.txt', 'clean.txt'];
    const { code, stderr, findings, messages } = await runSecretlint(files);

    const expected: Finding[] = [
      { file: 'pipeline.env', text: oto1, messageId: 'OrganizationToken' },
      { file: 'config.json', text: oto2, messageId: 'OrganizationToken' },
      { file: 'config.json', text: otu1, messageId: 'PersonalAccessToken' },
      { file: 'notes.md', text: otu2, messageId: 'PersonalAccessToken' },
      { file: 'notes.md', text: ote1, messageId: 'EphemeralToken' },
      { file: 'notes.md', text: ote2, messageId: 'EphemeralToken' },
    ];
    const byFileAndText = (a: Finding, b: Finding) =>
      `${a.file} ${a.text}`.localeCompare(`${b.file} ${b.text}`);
    expect(findings.sort(byFileAndText), stderr).toEqual(expected.sort(byFileAndText));
    expect(code).toBe(1);
    for (const kind of kinds) {
      expect(findings.some((finding) => finding.messageId === messageIdOfKind[kind])).toBe(true);
    }
    for (const message of messages) {
      expect(message.ruleId).toBe(ruleDir);
      // secretlint masks the rule's message data by default, so its log carries no secret.
      expect(realTokens.some((token) => message.message.includes(token))).toBe(false);
      expect(message.data?.TOKEN).toBe('*'.repeat(40));
    }
  });

  it('reports nothing and exits 0 for checksum-broken lookalikes and unrelated strings', async () => {
    const { code, stderr, findings } = await runSecretlint(['lookalikes.txt', 'clean.txt']);
    expect(findings, stderr).toEqual([]);
    expect(code).toBe(0);
  });
});
