import { Label, RadioGroup, Text } from 'react-aria-components';
import type { TokenPolicy } from '../api/types.js';
import { Field, Radio } from './fields.js';

export type ExpirationChoice = '30' | '90' | '365' | 'custom' | 'never';

export interface Expiration {
  choice: ExpirationChoice;
  /** YYYY-MM-DD, for `custom`. */
  date: string;
}

export const defaultExpiration: Expiration = { choice: '90', date: '' };

/**
 * 90 days, unless the token policy allows less: then the longest preset it allows, or a
 * custom date when it allows under 30 days.
 */
export function initialExpiration(policy?: TokenPolicy): Expiration {
  const limit = policy?.maxLifetimeDays ?? null;
  if (limit === null || limit >= 90) return defaultExpiration;
  if (limit >= 30) return { choice: '30', date: '' };
  return { choice: 'custom', date: '' };
}

const dayMs = 24 * 3600 * 1000;

/**
 * The expiresAt an expiration choice means, or the reason it is not valid. A custom date
 * means "valid through that day": the token expires at the end of it, UTC.
 */
export function expiresAtOf(
  expiration: Expiration,
  now = Date.now(),
): { expiresAt: string | null } | { problem: string } {
  switch (expiration.choice) {
    case 'never':
      return { expiresAt: null };
    case 'custom': {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(expiration.date)) return { problem: 'Choose a date.' };
      const end = Date.parse(`${expiration.date}T23:59:59.999Z`);
      if (Number.isNaN(end)) return { problem: 'Choose a valid date.' };
      if (end <= now) return { problem: 'Choose a date in the future.' };
      return { expiresAt: new Date(end).toISOString() };
    }
    default:
      return { expiresAt: new Date(now + Number(expiration.choice) * dayMs).toISOString() };
  }
}

const presetDate = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

/** A preset with the day it ends on, in the browser's zone: "30 days · until Mar 5, 2026". */
function Preset({ days, label, isDisabled }: { days: number; label: string; isDisabled: boolean }) {
  return (
    <Radio value={String(days)} isDisabled={isDisabled}>
      {label}{' '}
      <span className="muted">
        · until {presetDate.format(new Date(Date.now() + days * dayMs))}
      </span>
    </Radio>
  );
}

function tomorrow(): string {
  return new Date(Date.now() + dayMs).toISOString().slice(0, 10);
}

/**
 * Expiration: 30 days, 90 days (the default), 1 year, a custom date, or none with a warning.
 * The organization's token policy, when given, turns off the choices it would refuse.
 */
export function ExpirationPicker({
  value,
  onChange,
  policy,
  problem,
}: {
  value: Expiration;
  onChange(value: Expiration): void;
  policy?: TokenPolicy | undefined;
  problem?: string | undefined;
}) {
  const limit = policy?.maxLifetimeDays ?? null;
  const off = (days: number | null) =>
    days === null
      ? limit !== null || policy?.requireExpiry === true
      : limit !== null && days > limit;
  return (
    <div className="field">
      <RadioGroup
        className="radio-group"
        value={value.choice}
        onChange={(choice) => onChange({ ...value, choice: choice as ExpirationChoice })}
      >
        <Label>Expiration</Label>
        {limit !== null && (
          <Text slot="description">
            The token policy of this organization allows at most {limit} days.
          </Text>
        )}
        <Preset days={30} label="30 days" isDisabled={off(30)} />
        <Preset days={90} label="90 days" isDisabled={off(90)} />
        <Preset days={365} label="1 year" isDisabled={off(365)} />
        <Radio value="custom">Custom date</Radio>
        <Radio value="never" isDisabled={off(null)}>
          No expiration
        </Radio>
      </RadioGroup>
      {value.choice !== 'custom' && problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      {value.choice === 'custom' && (
        <Field
          label="Expiration date"
          type="date"
          description="The token stops working at the end of this day (UTC)."
          value={value.date}
          onChange={(date) => onChange({ ...value, date })}
          isRequired
          problem={problem}
          min={tomorrow()}
        />
      )}
      {value.choice === 'never' && (
        <p className="notice notice-warning" role="note">
          A token without expiration works until someone revokes it. If it leaks, nothing ends it
          for you: prefer an expiry and rotate the token before it ends.
        </p>
      )}
    </div>
  );
}
