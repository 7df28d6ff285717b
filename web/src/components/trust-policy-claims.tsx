import { Button } from 'react-aria-components';
import { immutableIdAlternative } from '../../../src/domain/claim-conditions.js';
import { Field } from './fields.js';
import { type CiSystem, presets } from './trust-policy-presets.js';

/** One condition as the form holds it; an empty pattern is no condition. */
export interface ConditionRow {
  id: number;
  claim: string;
  pattern: string;
  /** A preset's claim: its name is the field's label and cannot be changed. */
  fixed: boolean;
}

let lastRowId = 0;
const newRow = (claim: string, pattern: string, fixed: boolean): ConditionRow => {
  lastRowId += 1;
  return { id: lastRowId, claim, pattern, fixed };
};

/**
 * The rows of `system`'s claims, holding the values of `claims` (a stored policy's) or the
 * preset's initial ones, followed by one editable row for each other claim of `claims`.
 */
export function conditionRows(system: CiSystem, claims?: Record<string, string>): ConditionRow[] {
  const offered = presets[system].claims;
  const rows = offered.map(({ claim, initial }) =>
    newRow(claim, claims ? (claims[claim] ?? '') : (initial ?? ''), true),
  );
  const others = Object.entries(claims ?? {}).filter(
    ([claim]) => !offered.some((preset) => preset.claim === claim),
  );
  return [...rows, ...others.map(([claim, pattern]) => newRow(claim, pattern, false))];
}

/**
 * The conditions the rows say, or why they cannot be sent: a row with a name and no value
 * (or the other way round), or a claim named twice. The domain's own rules
 * (checkConditions) are applied to the result by the form.
 */
export function claimsOf(
  rows: readonly ConditionRow[],
): { claims: Record<string, string> } | { problem: string } {
  const claims: Record<string, string> = {};
  for (const row of rows) {
    const claim = row.claim.trim();
    const pattern = row.pattern.trim();
    if (pattern === '' && (row.fixed || claim === '')) continue;
    if (claim === '') return { problem: `Name the claim that must be “${pattern}”.` };
    if (pattern === '') return { problem: `Enter the value ${claim} must have, or remove it.` };
    if (Object.hasOwn(claims, claim)) return { problem: `${claim} is named twice.` };
    claims[claim] = pattern;
  }
  return { claims };
}

/** Whether `claim` has a condition among `rows`. */
const holds = (rows: readonly ConditionRow[], claim: string) =>
  rows.some((row) => row.claim.trim() === claim && row.pattern.trim() !== '');

/**
 * Said beside a name claim that has a condition while its immutable id has none: a
 * renamed or deleted owner's name can be registered again by someone else. Offers to add
 * the id's condition when the form has no field for it.
 */
function IdAdvice({
  row,
  rows,
  onAdd,
}: {
  row: ConditionRow;
  rows: readonly ConditionRow[];
  onAdd(claim: string): void;
}) {
  const claim = row.claim.trim();
  const id = immutableIdAlternative(claim);
  if (!id || row.pattern.trim() === '' || holds(rows, id)) return null;
  const hasField = rows.some((other) => other.claim.trim() === id);
  return (
    <p className="claim-advice">
      <strong>Prefer the immutable id:</strong> {claim} can be renamed, and the name then registered
      by someone else. {hasField ? `Fill in ${id} as well.` : `Match ${id} as well.`}
      {!hasField && (
        <>
          {' '}
          <Button className="link-button" onPress={() => onAdd(id)}>
            Add {id}
          </Button>
        </>
      )}
    </p>
  );
}

/**
 * The policy's conditions: a field per claim of the preset (empty: not checked), and any
 * other claim added by name. Beside a name, the advice to match the immutable id as well.
 */
export function ConditionsEditor({
  rows,
  onChange,
  problem,
}: {
  rows: ConditionRow[];
  onChange(rows: ConditionRow[]): void;
  problem: string | undefined;
}) {
  const change = (id: number, patch: Partial<ConditionRow>) =>
    onChange(rows.map((row) => (row.id === id ? { ...row, ...patch } : row)));
  const add = (claim = '') => onChange([...rows, newRow(claim, '', false)]);
  const meaning = (claim: string) =>
    Object.values(presets)
      .flatMap((preset) => preset.claims)
      .find((preset) => preset.claim === claim);
  return (
    <fieldset className="fieldset conditions">
      <legend>Conditions on the token's claims</legend>
      <p className="muted fieldset-note">
        A run gets a token only when every condition holds. Values are matched exactly and
        case-sensitively; <code>*</code> matches any run of characters (
        <code>refs/heads/release-*</code>). Leave a field empty not to check that claim.{' '}
        <strong>Prefer immutable ids</strong> (<code>repository_owner_id</code>,{' '}
        <code>project_id</code>): a name can be renamed and then taken by someone else.
      </p>
      {rows.map((row, index) => {
        const known = meaning(row.claim);
        if (row.fixed) {
          return (
            <div key={row.id} className="condition">
              <Field
                label={row.claim}
                description={known?.meaning}
                placeholder={known?.example}
                value={row.pattern}
                onChange={(pattern) => change(row.id, { pattern })}
              />
              <IdAdvice row={row} rows={rows} onAdd={add} />
            </div>
          );
        }
        const name = row.claim.trim() || `claim ${index + 1}`;
        return (
          <div key={row.id} className="condition">
            <div className="form-inline condition-custom">
              <Field
                label={`Claim ${index + 1}`}
                placeholder="repository_id"
                value={row.claim}
                onChange={(claim) => change(row.id, { claim })}
                autoFocus={row.claim === '' && row.pattern === ''}
              />
              <Field
                label={`Value of ${name}`}
                placeholder={known?.example ?? 'exact value, or a pattern with *'}
                value={row.pattern}
                onChange={(pattern) => change(row.id, { pattern })}
                // A row added for a named claim ("Add repository_id") starts at its value.
                autoFocus={row.claim !== '' && row.pattern === ''}
              />
              <Button
                className="button button-quiet"
                aria-label={`Remove the condition on ${name}`}
                onPress={() => onChange(rows.filter((other) => other.id !== row.id))}
              >
                Remove
              </Button>
            </div>
            <IdAdvice row={row} rows={rows} onAdd={add} />
          </div>
        );
      })}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      <div className="actions">
        <Button className="button" onPress={() => add()}>
          Add a condition
        </Button>
      </div>
    </fieldset>
  );
}
