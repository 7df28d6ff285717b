import { type FormEvent, useState } from 'react';
import { Button, CheckboxGroup, Form, Label, RadioGroup } from 'react-aria-components';
import { type WebhookEventType, webhookEventTypes } from '../../../src/domain/notifications.js';
import { ApiError } from '../api/client.js';
import type { NewWebhook } from '../api/types.js';
import { ErrorNotice } from './feedback.js';
import { fieldRefusal } from './field-messages.js';
import { Checkbox, Field, Radio } from './fields.js';

/** What each event means, as a person choosing them reads it. */
export const eventMeanings: Record<WebhookEventType, string> = {
  'token.expiring': 'a token reached one of the expiry warnings',
  'token.expired': 'a token expired',
  'token.stale': 'a token went unused for the stale period',
  'token.revoked': 'a token was revoked',
  'token.rotated': 'a token was rotated',
  'token.leaked': 'a token was reported leaked',
  'token.superseded_secret_used': 'a rotated-out secret was presented',
};

/** A webhook's subscription in words: "All events" or the event types, joined. */
export function eventsText(events: readonly string[]): string {
  return events.includes('*') ? 'All events' : events.join(', ');
}

const rules = {
  url: 'Enter the full address of your receiver, such as https://hooks.example.com/orgtoken (up to 2,000 characters).',
  events: 'Choose at least one event, or all events.',
};

/** Why a typed URL cannot be a webhook's, before sending it; the server checks the rest. */
function urlProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return 'Enter the address that receives the events.';
  try {
    const url = new URL(trimmed);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return rules.url;
  } catch {
    return rules.url;
  }
  return trimmed.length > 2000 ? rules.url : undefined;
}

/**
 * The server's refusal of a field of this form. A refused address (not https, or one that
 * resolves to a private or loopback address) comes with a sentence written for people,
 * shown as it is; a service may name the field plainly (`url`) rather than by location.
 */
function webhookRefusal(error: unknown): { field: string; message: string } | null {
  if (error instanceof ApiError && error.code === 'VALIDATION_FAILED' && error.field === 'url')
    return { field: 'url', message: error.message };
  return fieldRefusal(error, ['url', 'events', 'description'], rules);
}

type EventMode = 'all' | 'chosen';

export interface WebhookFormValue {
  url: string;
  events: string[];
  description: string;
}

/**
 * A webhook's address, events ("all", later ones included, or the types chosen) and
 * description: for adding one, and for changing it. What the form can check itself is said
 * beside the field before anything is sent; the server's refusal goes there too, and what was
 * typed survives it.
 */
export function WebhookForm({
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial?: WebhookFormValue;
  submitLabel: string;
  onSubmit(value: NewWebhook): Promise<unknown>;
  onCancel?: () => void;
}) {
  const [url, setUrl] = useState(initial?.url ?? '');
  const [mode, setMode] = useState<EventMode>(
    !initial || initial.events.includes('*') ? 'all' : 'chosen',
  );
  const [chosen, setChosen] = useState<string[]>(
    initial?.events.filter((event) => event !== '*') ?? [],
  );
  const [description, setDescription] = useState(initial?.description ?? '');
  const [problems, setProblems] = useState<{
    url?: string | undefined;
    events?: string | undefined;
  }>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = {
      url: urlProblem(url),
      events: mode === 'chosen' && chosen.length === 0 ? rules.events : undefined,
    };
    setProblems(found);
    setError(null);
    if (found.url || found.events) return;
    const events = (
      mode === 'all' ? ['*'] : webhookEventTypes.filter((type) => chosen.includes(type))
    ) as NewWebhook['events'];
    setBusy(true);
    try {
      await onSubmit({ url: url.trim(), events, description: description.trim() });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const refusal = webhookRefusal(error);
  const problemOf = (field: 'url' | 'events' | 'description') =>
    (field === 'description' ? undefined : problems[field]) ??
    (refusal?.field === field ? refusal.message : undefined);
  const eventsProblem = problemOf('events');
  return (
    // The form says what is wrong itself: a refusal shown under a field must not also block the
    // next press of the button as the browser's own validation would.
    <Form className="form" onSubmit={submit} validationBehavior="aria">
      <Field
        label="Payload URL"
        description="orgtoken sends a signed POST here for each event. It must be https, on a public address."
        type="url"
        inputMode="url"
        placeholder="https://hooks.example.com/orgtoken"
        value={url}
        onChange={(value) => {
          setUrl(value);
          setProblems((current) => ({ ...current, url: undefined }));
          setError(null);
        }}
        problem={problemOf('url')}
      />
      <fieldset className="fieldset">
        <legend>Events</legend>
        <RadioGroup
          className="radio-group"
          aria-label="Events"
          value={mode}
          onChange={(value) => {
            setMode(value as EventMode);
            setProblems((current) => ({ ...current, events: undefined }));
          }}
        >
          <Radio value="all">All events, including those added in later versions</Radio>
          <Radio value="chosen">Only the events I choose</Radio>
        </RadioGroup>
        {mode === 'chosen' && (
          <CheckboxGroup
            className="field checkbox-list event-choices"
            value={chosen}
            onChange={(value) => {
              setChosen(value);
              setProblems((current) => ({ ...current, events: undefined }));
              setError(null);
            }}
            isInvalid={eventsProblem !== undefined}
          >
            <Label>Event types</Label>
            {webhookEventTypes.map((type) => (
              <Checkbox key={type} value={type}>
                <code>{type}</code> <span className="muted">{eventMeanings[type]}</span>
              </Checkbox>
            ))}
            {eventsProblem && (
              <p className="field-error" role="alert">
                {eventsProblem}
              </p>
            )}
          </CheckboxGroup>
        )}
      </fieldset>
      <Field
        label="Description (optional)"
        description="What receives these events, for whoever reads this list next."
        value={description}
        onChange={(value) => {
          setDescription(value);
          setError(null);
        }}
        problem={problemOf('description')}
      />
      {!refusal && <ErrorNotice error={error} />}
      <div className="actions">
        <Button type="submit" className="button button-primary" isDisabled={busy}>
          {submitLabel}
        </Button>
        {onCancel && (
          <Button className="button button-quiet" onPress={onCancel}>
            Cancel
          </Button>
        )}
      </div>
    </Form>
  );
}
