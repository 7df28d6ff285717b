/**
 * One part of the benchmark suite (bench/verify.ts, ingest.ts, http.ts, scale.ts,
 * propagation.ts). bench/run.ts runs each in a child process of its own, with an IPC
 * channel: the part sends its result there, and the runner prints the one table and writes
 * the one results file. Run alone (`npx tsx bench/verify.ts`), a part prints its own table
 * and result instead, and writes nothing.
 */
export async function finishPart(
  result: Record<string, unknown>,
  table: Array<Record<string, unknown>> = flatten(result),
): Promise<void> {
  const send = process.send?.bind(process);
  if (send) {
    await new Promise<void>((resolve, reject) =>
      send({ result }, undefined, {}, (error: Error | null) => (error ? reject(error) : resolve())),
    );
    // The channel would keep this process alive.
    process.disconnect();
    return;
  }
  console.table(table);
  console.log(JSON.stringify(result, null, 2));
}

/** One row per number or string of a nested result, named by its path. */
function flatten(value: unknown, path = ''): Array<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ figure: path, value: Array.isArray(value) ? value.join(', ') : value }];
  }
  return Object.entries(value).flatMap(([key, inner]) =>
    flatten(inner, path ? `${path}.${key}` : key),
  );
}
