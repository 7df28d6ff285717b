import { useState } from 'react';
import { Button } from 'react-aria-components';
import { api } from '../api/client.js';
import type { Delivery, Webhook } from '../api/types.js';
import { useLoad } from '../hooks/use-load.js';
import { ErrorNotice, Loading } from './feedback.js';
import { DateTime } from './time.js';
import { WebhookDeliveries } from './webhook-deliveries.js';
import { eventsText, WebhookForm } from './webhook-form.js';
import { type WebhookAction, WebhookState } from './webhook-table.js';

/**
 * One webhook under the list: what it receives, its actions, a form to change it, and its
 * deliveries. `round` reloads it and its deliveries after an action of the page.
 */
export function WebhookDetails({
  org,
  webhookId,
  round,
  onAction,
  onSaved,
  onRedelivered,
}: {
  org: string;
  webhookId: string;
  round: number;
  onAction(action: WebhookAction, webhook: Webhook): void;
  onSaved(webhook: Webhook): void;
  onRedelivered(delivery: Delivery): void;
}) {
  const loaded = useLoad(() => api.webhook(org, webhookId), [org, webhookId, round]);
  const [editing, setEditing] = useState(false);
  const webhook = loaded.data?.id === webhookId ? loaded.data : undefined;
  if (!webhook) {
    return loaded.error ? <ErrorNotice error={loaded.error} /> : <Loading what="the webhook" />;
  }
  return (
    <section className="panel webhook-details" aria-labelledby="webhook-title">
      <div className="page-head">
        <h2 id="webhook-title" className="url-cell">
          {webhook.url}
        </h2>
        <div className="actions">
          <Button className="button" onPress={() => onAction('ping', webhook)}>
            Send a test event
          </Button>
          <Button className="button" onPress={() => setEditing(true)} isDisabled={editing}>
            Edit
          </Button>
          <Button className="button" onPress={() => onAction('toggle', webhook)}>
            {webhook.active ? 'Disable' : 'Enable'}
          </Button>
          <Button className="button button-danger" onPress={() => onAction('delete', webhook)}>
            Delete…
          </Button>
        </div>
      </div>
      {editing ? (
        <WebhookForm
          initial={webhook}
          submitLabel="Save webhook"
          onCancel={() => setEditing(false)}
          onSubmit={async (change) => {
            const saved = await api.updateWebhook(org, webhook.id, change);
            setEditing(false);
            onSaved(saved);
            loaded.reload();
          }}
        />
      ) : (
        <dl className="details">
          <dt>State</dt>
          <dd>
            <WebhookState active={webhook.active} />
          </dd>
          <dt>Events</dt>
          <dd>{eventsText(webhook.events)}</dd>
          {webhook.description && (
            <>
              <dt>Description</dt>
              <dd>{webhook.description}</dd>
            </>
          )}
          <dt>Created</dt>
          <dd>
            <DateTime at={webhook.createdAt} />
            {webhook.createdBy && ` by ${webhook.createdBy.name}`}
          </dd>
          {webhook.updatedAt !== webhook.createdAt && (
            <>
              <dt>Changed</dt>
              <dd>
                <DateTime at={webhook.updatedAt} />
              </dd>
            </>
          )}
        </dl>
      )}
      <WebhookDeliveries org={org} webhook={webhook} round={round} onRedelivered={onRedelivered} />
    </section>
  );
}
