import { describe, expect, it } from 'vitest';
import { ingestReport } from '../../src/runtime/ingest-worker.js';

// The upload's JSON: prototype keys are refused however they are written, since the plain
// JSON.parse is taken only for a text in which secure-json-parse's check cannot match.
const bodyOf = (text: string) => {
  const bytes = Buffer.from(text);
  return { segments: [new Uint8Array(bytes)], length: bytes.length };
};
const parse = (text: string) => ingestReport({ format: 'sarif', body: bodyOf(text) });

const sarif = (result: Record<string, unknown>) =>
  JSON.stringify({
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'lint' } }, results: [result] }],
  });
const finding = { ruleId: 'r1', level: 'error', message: { text: 'found' } };
/** The report of `finding` with `member` (a key and its value, as written) in its result. */
const withMember = (member: string) =>
  sarif({ ...finding, extra: '@' }).replace('"extra":"@"', member);

describe('the JSON of an upload', () => {
  const refused = {
    'a __proto__ key': withMember('"__proto__":{"x":1}'),
    'a __proto__ key written with \\u escapes': withMember('"\\u005f_proto\\u005F_":{"x":1}'),
    'a constructor.prototype key': withMember('"constructor":{"prototype":{"x":1}}'),
    'a constructor key written with \\u escapes': withMember(
      '"\\u0063onstructor":{"prototype":{"x":1}}',
    ),
    'a __proto__ key at the top': `{"__proto__":{"x":1},${sarif(finding).slice(1)}`,
    'a __proto__ key with white space before its colon': withMember('"__proto__" \n :{"x":1}'),
    'a __proto__ key after a byte order mark': `\ufeff{"__proto__":{"x":1},${sarif(finding).slice(1)}`,
  };
  for (const [what, text] of Object.entries(refused)) {
    it(`refuses ${what}`, () => {
      expect(text).not.toBe(sarif(finding));
      expect(parse(text)).toMatchObject({ ok: false, field: '/body' });
    });
  }

  it('reads the words as text, and \\u escapes in text, as any JSON', () => {
    const words = parse(sarif({ ...finding, message: { text: 'a constructor and __proto__' } }));
    expect(words).toMatchObject({ ok: true });
    const escaped = parse(sarif(finding).replace('"found"', '"f\\u00f6und \\u003c"'));
    expect(escaped.ok && escaped.report.issues[0]?.message).toBe('föund <');
    // As Fastify's JSON parser did: a leading byte order mark (Windows tools write one) is no
    // part of the document.
    const marked = parse(`\ufeff${sarif(finding)}`);
    expect(marked.ok && marked.report.issues.length).toBe(1);
    const plain = parse(sarif(finding));
    expect(plain.ok && plain.report.issues).toEqual([
      { tool: 'lint', rule: 'r1', level: 'error', message: 'found', file: null, line: null },
    ]);
  });
});
