import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReport } from '../../src/domain/reports/read-report.js';
import { inlineBelowBytes } from '../../src/runtime/ingest-pool.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { bigSarif } from '../helpers/big-sarif.js';
import { crashingToolName } from '../helpers/crashing-ingest-worker.js';
import { describeEachEngine } from '../helpers/engines.js';
import { countSarif, lintFixture, type RealReports } from '../helpers/reports.js';
import { storeDigest } from '../helpers/store-digest.js';
import { createOrgToken } from '../helpers/tokens.js';

let reports: RealReports;
beforeAll(async () => {
  reports = await lintFixture();
}, 60_000);

/** An app with one project and an organization token that may upload to it. */
/** Where an upload goes and the organization token that may send it. */
type UploadTarget = { url: string; token: string };

async function uploader(t: TestApp): Promise<UploadTarget> {
  const root = await t.newSession({ instanceAdmin: true });
  const admin = await t.newSession();
  const org = await t.createOrg(root, { orgAdmin: admin });
  await t.request(admin, {
    method: 'POST',
    url: `/api/v1/orgs/${org.key}/projects`,
    payload: { key: 'web', name: 'Web' },
  });
  const { token } = await createOrgToken(t, admin, org.key);
  return { url: `/api/v1/orgs/${org.key}/projects/web/analyses?format=sarif`, token };
}

/** An upload of `body` to `target` with its token, as a pipeline sends it. */
function uploadTo(
  t: TestApp,
  target: UploadTarget,
  body: string | Buffer | Readable,
  headers: Record<string, string> = {},
) {
  return t.app.inject({
    method: 'POST',
    url: target.url,
    headers: {
      authorization: `Bearer ${target.token}`,
      'content-type': 'application/json',
      ...headers,
    },
    payload: body,
  });
}

/**
 * A request body that the test feeds by hand: `reading` resolves once the server starts
 * reading it, that is once the upload was authorized and admitted.
 */
function heldBody(): { stream: Readable; reading: Promise<void>; finish: (text: string) => void } {
  let started: () => void = () => {};
  const reading = new Promise<void>((resolve) => {
    started = resolve;
  });
  const stream = new Readable({ read: () => started() });
  return {
    stream,
    reading,
    finish: (text) => {
      stream.push(text);
      stream.push(null);
    },
  };
}

/** Many gzip members of 1 MiB of zeros each: `mebibytes` inflated from about 1 KiB apiece. */
function gzipBomb(mebibytes: number): Buffer {
  const member = gzipSync(Buffer.alloc(1024 * 1024));
  return Buffer.concat(Array.from({ length: mebibytes }, () => member));
}

const errorOf = (response: { json: () => unknown }) =>
  (response.json() as { error: { code: string; field?: string; message: string } }).error;

describeEachEngine('report ingest', (engine) => {
  let t: TestApp;
  let target: UploadTarget;
  beforeAll(async () => {
    t = await createTestApp(engine);
    target = await uploader(t);
  });
  afterAll(() => t.close());

  const upload = (body: string | Buffer | Readable, headers: Record<string, string> = {}) =>
    uploadTo(t, target, body, headers);

  const storedIssues = async (analysisId: string) =>
    Number(
      (
        await t.store.db
          .selectFrom('analysis_issues')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('analysis_id', '=', analysisId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('stores a gzip-compressed upload exactly as the same report sent plain', async () => {
    // One report parsed inline, one in a worker: both paths must read gzip the same way.
    const large = bigSarif(0.5).text;
    expect(Buffer.byteLength(large)).toBeGreaterThan(inlineBelowBytes);
    for (const text of [reports.eslintSarif, large]) {
      const plain = await upload(text);
      const compressed = await upload(gzipSync(text), { 'content-encoding': 'gzip' });
      expect(plain.statusCode, plain.body).toBe(201);
      expect(compressed.statusCode, compressed.body).toBe(201);
      const expected = countSarif(text);
      expect(plain.json().summary).toEqual(expected);
      expect(compressed.json().summary).toEqual(expected);
      expect(compressed.json().tools).toEqual(plain.json().tools);
      expect(await storedIssues(compressed.json().id)).toBe(expected.total);
      expect(await storedIssues(plain.json().id)).toBe(expected.total);
    }
  });

  it('stores every issue in report order across the multi-row statements', async () => {
    // About 12,000 issues: three statements on SQLite (4,095 rows each), two on PostgreSQL.
    const text = bigSarif(3).text;
    const expected = readReport('sarif', JSON.parse(text)).issues;
    expect(expected.length).toBeGreaterThan(2 * 8191 - 5000);
    const response = await upload(gzipSync(text), { 'content-encoding': 'gzip' });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(201);
    const rows = await t.store.db
      .selectFrom('analysis_issues')
      .select(['seq', 'tool', 'rule', 'level', 'message', 'file', 'line'])
      .where('analysis_id', '=', response.json().id)
      .orderBy('seq')
      .execute();
    expect(rows.map((row) => Number(row.seq))).toEqual(expected.map((_, i) => i));
    expect(
      rows.map(({ seq: _, line, ...row }) => ({
        ...row,
        line: line === null ? null : Number(line),
      })),
    ).toEqual(expected);
  });

  it('refuses a corrupt gzip stream with 400, and stores nothing', async () => {
    const before = await storeDigest(t.store);
    const valid = gzipSync(reports.eslintSarif);
    const cases = {
      'not gzip at all': Buffer.from(reports.eslintSarif),
      'a damaged middle': Buffer.concat([
        valid.subarray(0, 40),
        Buffer.alloc(64, 0xff),
        valid.subarray(104),
      ]),
      'cut short': valid.subarray(0, Math.floor(valid.length / 2)),
    };
    for (const [what, body] of Object.entries(cases)) {
      const response = await upload(body, { 'content-encoding': 'gzip' });
      expect(response.statusCode, what).toBe(400);
      expect(errorOf(response), what).toMatchObject({ code: 'VALIDATION_FAILED', field: '/body' });
      expect(errorOf(response).message, what).toMatch(/gzip/);
    }
    expect(await storeDigest(t.store)).toBe(before);
  });

  it('refuses a gzip bomb with 413 once the inflated size passes the limit, and stores nothing', async () => {
    const before = await storeDigest(t.store);
    // 1 GiB of zeros in about 1 MB, against the default 50 MiB limit.
    const bomb = gzipBomb(1024);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const response = await upload(bomb, { 'content-encoding': 'gzip' });
    expect(response.statusCode).toBe(413);
    expect(errorOf(response).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await storeDigest(t.store)).toBe(before);
  });

  it('refuses a gzip stream that inflates to nothing once its bytes as sent pass the limit', async () => {
    const before = await storeDigest(t.store);
    // A gzip header, then empty stored deflate blocks without end: nothing is inflated, so
    // only the bytes as sent can end it (the default limit is 50 MiB; 200 MiB on offer).
    // Counted by inflated bytes alone, the stream's end would be a gzip error (400).
    const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    const blocks = Buffer.concat(
      Array.from({ length: 13_107 }, () => Buffer.from([0, 0, 0, 255, 255])),
    );
    let sent = 0;
    const endless = new Readable({
      read() {
        const chunk = sent === 0 ? header : blocks;
        sent += chunk.length;
        this.push(sent > 200 * 1024 * 1024 ? null : chunk);
      },
    });
    const response = await upload(endless, { 'content-encoding': 'gzip' });
    expect(response.statusCode, response.body).toBe(413);
    expect(errorOf(response).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await storeDigest(t.store)).toBe(before);
  });

  it('refuses an unknown Content-Encoding with 415 before reading the body', async () => {
    const before = await storeDigest(t.store);
    for (const encoding of ['br', 'deflate', 'gzip, gzip', 'compress']) {
      const response = await upload(reports.eslintSarif, { 'content-encoding': encoding });
      expect(response.statusCode, encoding).toBe(415);
      expect(errorOf(response).code, encoding).toBe('UNSUPPORTED_ENCODING');
    }
    expect(await storeDigest(t.store)).toBe(before);
  });

  it('keeps the parser’s place-naming answer for an invalid report sent through a worker', async () => {
    const before = await storeDigest(t.store);
    const report = JSON.parse(bigSarif(0.2).text);
    report.runs[0].results[700].level = 'fatal';
    const text = JSON.stringify(report);
    expect(Buffer.byteLength(text)).toBeGreaterThan(inlineBelowBytes);
    for (const [body, headers] of [
      [text, {}],
      [gzipSync(text), { 'content-encoding': 'gzip' }],
    ] as const) {
      const response = await upload(body, headers);
      expect(response.statusCode).toBe(400);
      expect(errorOf(response)).toMatchObject({
        code: 'VALIDATION_FAILED',
        field: '/body/runs/0/results/700/level',
        message: 'runs[0].results[700].level must be one of none, note, warning, error',
      });
    }
    const malformed = await upload(`${text.slice(0, -10)}`);
    expect(malformed.statusCode).toBe(400);
    expect(errorOf(malformed)).toMatchObject({ code: 'VALIDATION_FAILED', field: '/body' });
    expect(await storeDigest(t.store)).toBe(before);
  });
});

describeEachEngine('report ingest under load', (engine) => {
  describe('with one parser and no queue', () => {
    let t: TestApp;
    let target: UploadTarget;
    beforeAll(async () => {
      t = await createTestApp(engine, { ingest: { concurrency: 1, queue: 0 } });
      target = await uploader(t);
    });
    afterAll(() => t.close());

    const upload = (body: string | Readable) => uploadTo(t, target, body);

    it('refuses an upload beyond the queue with 503 INGEST_BUSY and Retry-After, before reading it', async () => {
      const held = heldBody();
      const first = upload(held.stream);
      await held.reading;
      const before = await storeDigest(t.store);

      const refused = await upload(reports.eslintSarif);
      expect(refused.statusCode).toBe(503);
      expect(errorOf(refused).code).toBe('INGEST_BUSY');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(await storeDigest(t.store)).toBe(before);

      held.finish(reports.eslintSarif);
      expect((await first).statusCode).toBe(201);
      // The place is given back once the held upload is answered.
      const next = await upload(reports.eslintSarif);
      expect(next.statusCode, next.body).toBe(201);
    });

    it('gives back the place of an upload whose client left while it was being authorized', async () => {
      // The token is verified once, so that the upload below waits on the store in its
      // authorization (preParsing), not in authentication.
      await t.app.inject({
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${target.token}` },
      });
      const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const release = t.queries.hold();
      const left = await new Promise<void>((resolve) => {
        const request = httpRequest(`${address}${target.url}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${target.token}`,
            'content-type': 'application/json',
            'content-length': '1000',
          },
        });
        request.on('error', () => resolve());
        request.flushHeaders();
        // Long enough for the server to be waiting on the held store, then the client goes.
        setTimeout(() => request.destroy(), 200);
      });
      void left;
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const next = await upload(reports.eslintSarif);
      expect(next.statusCode, next.body).toBe(201);
    });

    it('gives back the place of an upload refused while its body was read', async () => {
      const held = heldBody();
      const first = upload(held.stream);
      await held.reading;
      held.finish('{"version": "2.1.0", "runs": ');
      expect((await first).statusCode).toBe(400);
      const next = await upload(reports.eslintSarif);
      expect(next.statusCode, next.body).toBe(201);
    });
  });

  describe("with one parser and two waiting places (an organization's share: two)", () => {
    let t: TestApp;
    let busy: UploadTarget;
    let other: UploadTarget;
    beforeAll(async () => {
      t = await createTestApp(engine, { ingest: { concurrency: 1, queue: 2 } });
      busy = await uploader(t);
      other = await uploader(t);
    });
    afterAll(() => t.close());

    const upload = (target: UploadTarget, body: string | Readable) => uploadTo(t, target, body);

    it("refuses an organization's upload beyond its share while another's is taken", async () => {
      const held = [heldBody(), heldBody()];
      const first = held.map((body) => upload(busy, body.stream));
      await Promise.all(held.map((body) => body.reading));
      const before = await storeDigest(t.store);

      const refused = await upload(busy, reports.eslintSarif);
      expect(refused.statusCode).toBe(503);
      expect(errorOf(refused)).toMatchObject({
        code: 'INGEST_BUSY',
        message: expect.stringMatching(/this organization's uploads/i),
      });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(await storeDigest(t.store)).toBe(before);

      // The place left is the other organization's to take.
      const theirs = await upload(other, reports.eslintSarif);
      expect(theirs.statusCode, theirs.body).toBe(201);

      for (const body of held) body.finish(reports.eslintSarif);
      for (const response of await Promise.all(first)) expect(response.statusCode).toBe(201);
      const next = await upload(busy, reports.eslintSarif);
      expect(next.statusCode, next.body).toBe(201);
    });
  });

  describe('when a parser dies mid-parse', () => {
    let t: TestApp;
    let target: UploadTarget;
    beforeAll(async () => {
      t = await createTestApp(engine, {
        ingest: {
          concurrency: 1,
          queue: 1,
          workerUrl: new URL('../helpers/crashing-ingest-worker.ts', import.meta.url),
        },
      });
      target = await uploader(t);
    });
    afterAll(() => t.close());

    const upload = (body: string) => uploadTo(t, target, body);

    it('answers that upload 500 INGEST_FAILED, stores nothing, and parses the next one', async () => {
      const report = bigSarif(0.2);
      const crashing = report.text.replace('"name":"synthetic"', `"name":"${crashingToolName}"`);
      expect(crashing).not.toBe(report.text);
      const before = await storeDigest(t.store);
      const failed = await upload(crashing);
      expect(failed.statusCode).toBe(500);
      expect(errorOf(failed).code).toBe('INGEST_FAILED');
      expect(await storeDigest(t.store)).toBe(before);

      const next = await upload(report.text);
      expect(next.statusCode, next.body.slice(0, 300)).toBe(201);
      expect(next.json().summary.total).toBe(report.results);
    });
  });
});
