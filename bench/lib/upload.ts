/** Where a benchmark's uploads go: a server and an organization token of it. */
export interface UploadTarget {
  url: string;
  token: string;
}

/**
 * Uploads a SARIF report to the benchmark project `large` of organization `bench`, sent as
 * it is or, with `gzip`, as `Content-Encoding: gzip`; resolves to the status once the answer
 * is read to its end.
 */
export async function uploadReport(
  target: UploadTarget,
  body: string | Buffer,
  gzip = false,
): Promise<number> {
  const response = await fetch(
    `${target.url}/api/v1/orgs/bench/projects/large/analyses?format=sarif`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${target.token}`,
        'content-type': 'application/json',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      },
      body,
    },
  );
  await response.arrayBuffer();
  return response.status;
}
