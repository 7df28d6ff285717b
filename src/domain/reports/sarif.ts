import {
  clip,
  type IssueLevel,
  type NormalizedIssue,
  type ParsedReport,
  ReportPath,
} from './report.js';

const sarifLevels = new Set(['none', 'note', 'warning', 'error']);

/** SARIF's `none` counts as a note (SPEC.md §3). */
function normalizeLevel(level: string): IssueLevel {
  return level === 'none' ? 'note' : (level as IssueLevel);
}

interface RuleInfo {
  id: string | null;
  level: string | null;
}

/** The rules a run declares (driver and extensions), with their default levels. */
function readRules(tool: Record<string, unknown>, path: ReportPath): RuleInfo[][] {
  const components: unknown[] = [tool.driver];
  if (tool.extensions !== undefined)
    components.push(...path.at('extensions').array(tool.extensions));
  return components.map((component, c) => {
    const componentPath = c === 0 ? path.at('driver') : path.at('extensions').at(c - 1);
    const object = componentPath.object(component);
    if (object.rules === undefined) return [];
    const rulesPath = componentPath.at('rules');
    return rulesPath.array(object.rules).map((rule, r) => {
      const rulePath = rulesPath.at(r);
      const value = rulePath.object(rule);
      const config = value.defaultConfiguration;
      let level: string | null = null;
      if (config !== undefined) {
        const configPath = rulePath.at('defaultConfiguration');
        const raw = configPath.object(config).level;
        if (raw !== undefined) {
          level = configPath.at('level').string(raw);
          if (!sarifLevels.has(level))
            throw configPath.at('level').error('must be one of none, note, warning, error');
        }
      }
      return { id: rulePath.at('id').optionalString(value.id), level };
    });
  });
}

/** The rule a result refers to: by index (into a tool component), else by id in the driver. */
function ruleOf(
  result: Record<string, unknown>,
  rules: RuleInfo[][],
  ruleId: string | null,
): RuleInfo | undefined {
  const reference = result.rule as Record<string, unknown> | undefined;
  const component =
    typeof reference?.toolComponent === 'object' && reference.toolComponent !== null
      ? (reference.toolComponent as Record<string, unknown>).index
      : undefined;
  const componentIndex = typeof component === 'number' ? component + 1 : 0;
  const index = typeof reference?.index === 'number' ? reference.index : result.ruleIndex;
  if (typeof index === 'number' && index >= 0) {
    const rule = rules[componentIndex]?.[index];
    if (rule) return rule;
  }
  return ruleId === null ? undefined : rules.flat().find((rule) => rule.id === ruleId);
}

/**
 * Reads SARIF 2.1.0: every run, every result. A result's level falls back to its rule's
 * defaultConfiguration.level, then to `warning`. Throws VALIDATION_FAILED naming the place.
 */
export function parseSarif(document: unknown): ParsedReport {
  const root = new ReportPath();
  const sarif = root.object(document);
  if (sarif.version !== '2.1.0') throw root.at('version').error('must be "2.1.0"');
  const runsPath = root.at('runs');
  const runs = runsPath.array(sarif.runs);
  const tools: string[] = [];
  const issues: NormalizedIssue[] = [];

  runs.forEach((runValue, r) => {
    const runPath = runsPath.at(r);
    const run = runPath.object(runValue);
    const toolPath = runPath.at('tool');
    const tool = toolPath.object(run.tool);
    const driver = toolPath.at('driver').object(tool.driver);
    const toolName = clip(toolPath.at('driver').at('name').string(driver.name), 'tool');
    if (!tools.includes(toolName)) tools.push(toolName);
    const rules = readRules(tool, toolPath);
    if (run.results === undefined || run.results === null) return;
    const resultsPath = runPath.at('results');

    resultsPath.array(run.results).forEach((resultValue, i) => {
      const path = resultsPath.at(i);
      const result = path.object(resultValue);
      let ruleId = path.at('ruleId').optionalString(result.ruleId);
      if (ruleId === null && result.rule !== undefined) {
        ruleId = path.at('rule').at('id').optionalString(path.at('rule').object(result.rule).id);
      }
      const rule = ruleOf(result, rules, ruleId);
      let level: string;
      if (result.level !== undefined) {
        level = path.at('level').string(result.level);
        if (!sarifLevels.has(level))
          throw path.at('level').error('must be one of none, note, warning, error');
      } else {
        level = rule?.level ?? 'warning';
      }

      const message = path.at('message').object(result.message);
      const text =
        path.at('message').at('text').optionalString(message.text) ??
        path.at('message').at('markdown').optionalString(message.markdown) ??
        path.at('message').at('id').optionalString(message.id);
      if (text === null) throw path.at('message').error('must have text, markdown or id');

      let file: string | null = null;
      let line: number | null = null;
      if (result.locations !== undefined && result.locations !== null) {
        const locations = path.at('locations').array(result.locations);
        const first = locations[0];
        if (first !== undefined) {
          const locationPath = path.at('locations').at(0);
          const physical = locationPath.object(first).physicalLocation;
          if (physical !== undefined) {
            const physicalPath = locationPath.at('physicalLocation');
            const value = physicalPath.object(physical);
            if (value.artifactLocation !== undefined) {
              const artifact = physicalPath.at('artifactLocation').object(value.artifactLocation);
              file = physicalPath.at('artifactLocation').at('uri').optionalString(artifact.uri);
            }
            if (value.region !== undefined) {
              const region = physicalPath.at('region').object(value.region);
              line = physicalPath.at('region').at('startLine').optionalLine(region.startLine);
            }
          }
        }
      }

      issues.push({
        tool: toolName,
        rule: clip(ruleId ?? rule?.id ?? '(none)', 'rule'),
        level: normalizeLevel(level),
        message: clip(text, 'message'),
        file: file === null ? null : clip(file, 'file'),
        line,
      });
    });
  });
  return { tools, issues };
}
