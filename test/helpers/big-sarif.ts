/**
 * A SARIF 2.1.0 document of about `megabytes` MB, shaped like real linter output (rules with
 * default levels, results with locations), for size tests and the ingest benchmark.
 */
export function bigSarif(megabytes: number): { text: string; results: number; errors: number } {
  const rules = Array.from({ length: 50 }, (_, i) => ({
    id: `rule-${i}`,
    shortDescription: { text: `Rule number ${i}` },
    defaultConfiguration: { level: i % 5 === 0 ? 'error' : 'warning' },
  }));
  const target = megabytes * 1024 * 1024;
  const results: string[] = [];
  let size = 0;
  let errors = 0;
  for (let i = 0; size < target; i += 1) {
    const rule = i % 50;
    // Every third result leaves its level to the rule's default.
    const level = i % 3 === 0 ? undefined : i % 7 === 0 ? 'error' : 'note';
    const effective = level ?? (rule % 5 === 0 ? 'error' : 'warning');
    if (effective === 'error') errors += 1;
    const result = JSON.stringify({
      ruleId: `rule-${rule}`,
      ruleIndex: rule,
      ...(level ? { level } : {}),
      message: { text: `Finding ${i}: something in this file deserves a second look.` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: `src/module-${i % 400}/file-${i % 37}.ts` },
            region: { startLine: (i % 900) + 1, startColumn: 5 },
          },
        },
      ],
    });
    results.push(result);
    size += result.length + 1;
  }
  const text = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"synthetic","rules":${JSON.stringify(rules)}}},"results":[${results.join(',')}]}]}`;
  return { text, results: results.length, errors };
}
