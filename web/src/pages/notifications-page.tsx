import { useEffect, useState } from 'react';
import { Button, Form, Label, RadioGroup } from 'react-aria-components';
import { Link } from 'react-router';
import {
  maxExpiryWarnings,
  maxStaleAfterDays,
  maxWarningDays,
} from '../../../src/domain/notifications.js';
import { api } from '../api/client.js';
import type { NotificationSettings } from '../api/types.js';
import { ErrorNotice, Loading, SuccessNotice } from '../components/feedback.js';
import { fieldRefusal } from '../components/field-messages.js';
import { Checkbox, Field, Radio } from '../components/fields.js';
import { useOrg } from '../components/org-layout.js';
import { PlanNotice } from '../components/plan-notice.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { useSubmit } from '../hooks/use-submit.js';

// The API's limits (the domain module the server checks with), said as each field's rule.
const rules = {
  expiryWarningDays: `Each warning is a whole number of days from 1 to ${maxWarningDays}, at most ${maxExpiryWarnings} of them, each once.`,
  staleAfterDays: `Enter a whole number of days from 1 to ${maxStaleAfterDays}, or choose Never.`,
};

/** A whole number from 1 to `max` typed in a field, or null. */
function wholeDays(text: string, max: number): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const days = Number(trimmed);
  return days >= 1 && days <= max ? days : null;
}

function daysText(days: number): string {
  return `${days} ${days === 1 ? 'day' : 'days'}`;
}

/** Why `text` cannot be added to the warnings `days`, or undefined when it can. */
function warningProblem(text: string, days: readonly number[]): string | undefined {
  if (text.trim() === '') return 'Enter a number of days.';
  const value = wholeDays(text, maxWarningDays);
  if (value === null) return `Enter a whole number of days from 1 to ${maxWarningDays}.`;
  if (days.includes(value)) return `There is already a warning ${daysText(value)} before expiry.`;
  if (days.length >= maxExpiryWarnings)
    return `At most ${maxExpiryWarnings} warnings: remove one first.`;
  return undefined;
}

/**
 * The expiry warnings: one removable line per threshold (largest first, the order they are
 * sent in) and a field to add one. Enter in the field adds rather than saving the form.
 */
function WarningDays({
  days,
  onChange,
  refusal,
}: {
  days: number[];
  onChange(days: number[]): void;
  refusal: string | undefined;
}) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  function add() {
    const why = warningProblem(text, days);
    setProblem(why);
    if (why) return;
    onChange([...days, Number(text.trim())].sort((a, b) => b - a));
    setText('');
  }
  return (
    <fieldset className="fieldset">
      <legend>Warnings before a token expires</legend>
      <p className="muted fieldset-note">
        Each token's warning is sent once per threshold; a token found already inside several gets
        one, for the nearest. Its expiry is notified as well.
      </p>
      {days.length === 0 ? (
        <p className="muted fieldset-note">No warnings: only the expiry itself is notified.</p>
      ) : (
        <ul className="threshold-list" aria-label="Warnings before expiry">
          {days.map((value) => (
            <li key={value}>
              <span>{daysText(value)} before expiry</span>
              <Button
                className="button button-quiet"
                aria-label={`Remove the warning ${daysText(value)} before expiry`}
                onPress={() => onChange(days.filter((day) => day !== value))}
              >
                Remove
              </Button>
            </li>
          ))}
        </ul>
      )}
      {refusal && <p className="field-error">{refusal}</p>}
      <div className="form-inline threshold-add">
        <Field
          label="Add a warning, days before expiry"
          type="number"
          inputMode="numeric"
          min="1"
          value={text}
          onChange={(value) => {
            setText(value);
            setProblem(undefined);
          }}
          onKeyDown={(event) => {
            if (event.key !== 'Enter') return;
            event.preventDefault();
            add();
          }}
          problem={problem}
        />
        <Button className="button" onPress={add}>
          Add warning
        </Button>
      </div>
    </fieldset>
  );
}

type StaleMode = 'after' | 'never';

/**
 * The notifications form: expiry warnings, when a token counts as stale, and email. What the
 * form checks itself is said beside its field before anything is sent; the server's refusal
 * of a field goes there too.
 */
function SettingsForm({
  org,
  initial,
  onSaved,
}: {
  org: string;
  initial: NotificationSettings;
  onSaved(settings: NotificationSettings): void;
}) {
  const [days, setDays] = useState(initial.expiryWarningDays);
  const [staleMode, setStaleMode] = useState<StaleMode>(
    initial.staleAfterDays === null ? 'never' : 'after',
  );
  const [staleDays, setStaleDays] = useState(String(initial.staleAfterDays ?? 60));
  const [staleProblem, setStaleProblem] = useState<string | undefined>();
  const [emailAdmins, setEmailAdmins] = useState(initial.emailAdmins);
  // What was sent, so that the server's refusal of it goes once the person changes it.
  const [sent, setSent] = useState<{ days: number[]; staleDays: string } | null>(null);
  const { submit, error, busy } = useSubmit(async () => {
    setSent({ days, staleDays });
    const staleAfterDays = staleMode === 'never' ? null : wholeDays(staleDays, maxStaleAfterDays);
    if (staleMode === 'after' && staleAfterDays === null) {
      setStaleProblem(rules.staleAfterDays);
      return;
    }
    onSaved(
      await api.putNotificationSettings(org, {
        expiryWarningDays: days,
        staleAfterDays,
        emailAdmins,
      }),
    );
  });
  const refused = fieldRefusal(error, ['expiryWarningDays', 'staleAfterDays'], rules);
  const refusal =
    refused &&
    sent &&
    (refused.field === 'expiryWarningDays' ? sent.days === days : sent.staleDays === staleDays)
      ? refused
      : null;
  return (
    // The form says what is wrong itself (validationBehavior="aria"): a message under the
    // field of a warning to add must not block saving the rest, as the browser's would.
    <Form className="form" onSubmit={submit} validationBehavior="aria">
      <WarningDays
        days={days}
        onChange={setDays}
        refusal={refusal?.field === 'expiryWarningDays' ? refusal.message : undefined}
      />
      <fieldset className="fieldset">
        <legend>Stale tokens</legend>
        <p className="muted fieldset-note">
          A token nobody has used for this long is marked Stale in the token list and notified once
          per stale period. It keeps working: orgtoken never deletes or revokes it.
        </p>
        <RadioGroup
          className="radio-group"
          value={staleMode}
          onChange={(value) => {
            setStaleMode(value as StaleMode);
            setStaleProblem(undefined);
          }}
        >
          <Label>Mark a token as stale</Label>
          <Radio value="after">After a number of days without use</Radio>
          <Radio value="never">Never</Radio>
        </RadioGroup>
        {staleMode === 'after' && (
          <Field
            label="Days without use"
            description="Counted from its last use, or from its creation if it was never used."
            type="number"
            inputMode="numeric"
            min="1"
            value={staleDays}
            onChange={(value) => {
              setStaleDays(value);
              setStaleProblem(undefined);
            }}
            problem={
              staleProblem ?? (refusal?.field === 'staleAfterDays' ? refusal.message : undefined)
            }
          />
        )}
      </fieldset>
      <fieldset className="fieldset">
        <legend>Email</legend>
        <Checkbox isSelected={emailAdmins} onChange={setEmailAdmins}>
          Email the organization's admins, and a token's creator while they are a member
        </Checkbox>
        <p className="muted fieldset-note">
          Emails go out for expiring, expired, stale and leaked tokens, and when a rotated-out
          secret is still in use; each links to the token's rotation. Webhooks receive every event
          either way.
        </p>
      </fieldset>
      {!refused && <ErrorNotice error={error} />}
      <Button type="submit" className="button button-primary" isDisabled={busy}>
        Save notification settings
      </Button>
    </Form>
  );
}

/** Administration → Notifications: when the admins hear about expiring and unused tokens. */
export function NotificationsPage() {
  const { org } = useOrg();
  const included = org.features.notifications.included;
  const settings = useLoad(
    () => (included ? api.notificationSettings(org.key) : Promise.resolve(null)),
    [org.key, included],
  );
  const [saved, setSaved] = useState<string | null>(null);
  // The answer of the last save, which the form then starts from; `round` restarts the form
  // whenever what it starts from changes (a save, another organization's settings).
  const [answer, setAnswer] = useState<NotificationSettings | null>(null);
  const [round, setRound] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new answer restarts the form
  useEffect(() => {
    setAnswer(null);
    setSaved(null);
    setRound((n) => n + 1);
  }, [settings.data]);
  const initial = answer ?? settings.data;

  usePageTitle(`Notifications · ${org.name}`);
  const webhooks = `/orgs/${encodeURIComponent(org.key)}/admin/webhooks`;
  return (
    <section>
      <h1>Notifications</h1>
      <p className="lead">
        Nothing of {org.name} should expire or go unused by surprise: choose when its admins hear
        about a token. <Link to={webhooks}>Webhooks</Link> receive the same events, and more.
      </p>
      <PlanNotice org={org} feature="notifications" id="notifications-plan">
        Once it is, choose here when admins hear about expiring and unused tokens.
      </PlanNotice>
      <SuccessNotice message={saved} />
      <ErrorNotice error={settings.error} />
      {included &&
        (initial && !settings.loading ? (
          <SettingsForm
            key={round}
            org={org.key}
            initial={initial}
            onSaved={(stored) => {
              setAnswer(stored);
              setRound((n) => n + 1);
              setSaved('Notification settings saved.');
            }}
          />
        ) : (
          !settings.error && <Loading what="the notification settings" />
        ))}
    </section>
  );
}
