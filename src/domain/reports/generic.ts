import {
  clip,
  type IssueLevel,
  type NormalizedIssue,
  type ParsedReport,
  ReportPath,
} from './report.js';

// SonarQube's severities, and the impact severities of its newer format (docs/api.md). A Map,
// not an object: a severity named `constructor` or `__proto__` must find nothing.
const severityLevels = new Map<string, IssueLevel>([
  ['BLOCKER', 'error'],
  ['CRITICAL', 'error'],
  ['MAJOR', 'error'],
  ['MINOR', 'warning'],
  ['INFO', 'note'],
  ['HIGH', 'error'],
  ['MEDIUM', 'warning'],
  ['LOW', 'note'],
]);
const severityNames = [...severityLevels.keys()].join(', ');

/** The level of a severity at `path`; anything but a known severity is refused there. */
function severityLevel(value: unknown, path: ReportPath): IssueLevel {
  const mapped = severityLevels.get(path.string(value));
  if (mapped === undefined) throw path.error(`must be one of ${severityNames}`);
  return mapped;
}

const levelRank: Record<IssueLevel, number> = { error: 2, warning: 1, note: 0 };

interface GenericRule {
  engineId: string | null;
  level: IssueLevel | null;
}

/** The worst level among a rule's `severity` and its `impacts[].severity`. */
function ruleLevel(rule: Record<string, unknown>, path: ReportPath): IssueLevel | null {
  let level: IssueLevel | null = null;
  const consider = (value: unknown, at: ReportPath) => {
    const mapped = severityLevel(value, at);
    if (level === null || levelRank[mapped] > levelRank[level]) level = mapped;
  };
  if (rule.severity !== undefined) consider(rule.severity, path.at('severity'));
  if (rule.impacts !== undefined) {
    const impactsPath = path.at('impacts');
    impactsPath.array(rule.impacts).forEach((impact, i) => {
      const impactPath = impactsPath.at(i);
      consider(impactPath.object(impact).severity, impactPath.at('severity'));
    });
  }
  return level;
}

/**
 * Reads SonarQube's generic issue import format (`issues[].primaryLocation`, optionally
 * `rules[]` of the 10.x format). Severities BLOCKER/CRITICAL/MAJOR are errors, MINOR a
 * warning, INFO a note; an issue without a severity takes its rule's.
 */
export function parseGeneric(document: unknown): ParsedReport {
  const root = new ReportPath();
  const report = root.object(document);
  const rules = new Map<string, GenericRule>();
  if (report.rules !== undefined) {
    const rulesPath = root.at('rules');
    rulesPath.array(report.rules).forEach((value, i) => {
      const path = rulesPath.at(i);
      const rule = path.object(value);
      rules.set(path.at('id').string(rule.id), {
        engineId: path.at('engineId').optionalString(rule.engineId),
        level: ruleLevel(rule, path),
      });
    });
  }

  // A Set: one report may name tens of thousands of engines.
  const tools = new Set<string>();
  const issues: NormalizedIssue[] = [];
  const issuesPath = root.at('issues');
  issuesPath.array(report.issues).forEach((value, i) => {
    const path = issuesPath.at(i);
    const issue = path.object(value);
    const ruleId = path.at('ruleId').string(issue.ruleId);
    const rule = rules.get(ruleId);
    const engineId = path.at('engineId').optionalString(issue.engineId) ?? rule?.engineId ?? null;
    if (engineId === null)
      throw path.at('engineId').error('is required (on the issue or its rule)');
    let level: IssueLevel | null = rule?.level ?? null;
    if (issue.severity !== undefined) level = severityLevel(issue.severity, path.at('severity'));
    if (level === null) throw path.at('severity').error('is required (on the issue or its rule)');

    const locationPath = path.at('primaryLocation');
    const location = locationPath.object(issue.primaryLocation);
    const message = locationPath.at('message').string(location.message);
    const file = locationPath.at('filePath').string(location.filePath);
    let line: number | null = null;
    if (location.textRange !== undefined) {
      const rangePath = locationPath.at('textRange');
      line = rangePath
        .at('startLine')
        .optionalStored(rangePath.object(location.textRange).startLine, 'line');
    }
    const tool = clip(engineId, 'tool');
    tools.add(tool);
    issues.push({
      tool,
      rule: clip(ruleId, 'rule'),
      level,
      message: clip(message, 'message'),
      file: clip(file, 'file'),
      line,
    });
  });
  return { tools: [...tools], issues };
}
