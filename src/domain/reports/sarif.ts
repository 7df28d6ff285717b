import {
  clip,
  type IssueLevel,
  itemAt,
  type NormalizedIssue,
  type ParsedReport,
  ReportPath,
} from './report.js';
import { readUriBases, repositoryPath } from './sarif-locations.js';

const sarifLevels = new Set(['none', 'note', 'warning', 'error']);

/** SARIF's `none` counts as a note (docs/api.md). */
function normalizeLevel(level: string): IssueLevel {
  return level === 'none' ? 'note' : (level as IssueLevel);
}

interface RuleInfo {
  id: string | null;
  level: string | null;
}

interface RunRules {
  /** Each tool component's rules in order: the driver's first, then each extension's. */
  byComponent: RuleInfo[][];
  /** The first rule of each id in that same order, so that a result's id is one lookup. */
  byId: Map<string, RuleInfo>;
}

/** The rules a run declares (driver and extensions), with their default levels. */
function readRules(tool: Record<string, unknown>, path: ReportPath): RunRules {
  // Pushed one by one: spreading a long array into push() overflows the stack.
  const components: Array<{ value: unknown; path: ReportPath }> = [
    { value: tool.driver, path: path.at('driver') },
  ];
  if (tool.extensions !== undefined) {
    const extensionsPath = path.at('extensions');
    extensionsPath.array(tool.extensions).forEach((value, e) => {
      components.push({ value, path: extensionsPath.at(e) });
    });
  }
  const byId = new Map<string, RuleInfo>();
  const byComponent = components.map((component) => {
    const object = component.path.object(component.value);
    if (object.rules === undefined) return [];
    const rulesPath = component.path.at('rules');
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
      const info = { id: rulePath.at('id').optionalString(value.id), level };
      if (info.id !== null && !byId.has(info.id)) byId.set(info.id, info);
      return info;
    });
  });
  return { byComponent, byId };
}

/**
 * The rule a result refers to: by index (`rule.index`, else `ruleIndex`) into its tool
 * component (`rule.toolComponent.index` names an extension; the driver otherwise), else by id
 * among all the run's rules.
 */
function ruleOf(
  result: Record<string, unknown>,
  reference: Record<string, unknown> | null,
  path: ReportPath,
  rules: RunRules,
  ruleId: string | null,
): RuleInfo | undefined {
  let index = path.at('ruleIndex').optionalIndex(result.ruleIndex);
  let extension: number | null = null;
  if (reference !== null) {
    const referencePath = path.at('rule');
    index = referencePath.at('index').optionalIndex(reference.index) ?? index;
    const componentPath = referencePath.at('toolComponent');
    const component = componentPath.optionalObject(reference.toolComponent);
    if (component !== null) extension = componentPath.at('index').optionalIndex(component.index);
  }
  const byIndex = itemAt(rules.byComponent[extension === null ? 0 : extension + 1], index);
  if (byIndex) return byIndex;
  return ruleId === null ? undefined : rules.byId.get(ruleId);
}

/**
 * Reads SARIF 2.1.0: every run, every result. A result's level falls back to its rule's
 * defaultConfiguration.level, then to `warning`; its file is the repository's path when the
 * run's base URIs give it (repositoryPath). Throws VALIDATION_FAILED naming the place.
 */
export function parseSarif(document: unknown): ParsedReport {
  const root = new ReportPath();
  const sarif = root.object(document);
  if (sarif.version !== '2.1.0') throw root.at('version').error('must be "2.1.0"');
  const runsPath = root.at('runs');
  const runs = runsPath.array(sarif.runs);
  // A Set: a document may hold thousands of runs, each naming its tool.
  const tools = new Set<string>();
  const issues: NormalizedIssue[] = [];

  runs.forEach((runValue, r) => {
    const runPath = runsPath.at(r);
    const run = runPath.object(runValue);
    const toolPath = runPath.at('tool');
    const tool = toolPath.object(run.tool);
    const driver = toolPath.at('driver').object(tool.driver);
    const toolName = clip(toolPath.at('driver').at('name').string(driver.name), 'tool');
    tools.add(toolName);
    const rules = readRules(tool, toolPath);
    const bases = readUriBases(run, runPath);
    if (run.results === undefined || run.results === null) return;
    const resultsPath = runPath.at('results');

    resultsPath.array(run.results).forEach((resultValue, i) => {
      const path = resultsPath.at(i);
      const result = path.object(resultValue);
      const reference = path.at('rule').optionalObject(result.rule);
      const ruleId =
        path.at('ruleId').optionalString(result.ruleId) ??
        (reference === null ? null : path.at('rule').at('id').optionalString(reference.id));
      const rule = ruleOf(result, reference, path, rules, ruleId);
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
              const artifactPath = physicalPath.at('artifactLocation');
              const artifact = artifactPath.object(value.artifactLocation);
              const uri = artifactPath.at('uri').optionalString(artifact.uri);
              const base = artifactPath.at('uriBaseId').optionalString(artifact.uriBaseId);
              file = uri === null ? null : repositoryPath(uri, base, bases);
            }
            if (value.region !== undefined) {
              const region = physicalPath.at('region').object(value.region);
              line = physicalPath
                .at('region')
                .at('startLine')
                .optionalStored(region.startLine, 'line');
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
  return { tools: [...tools], issues };
}
