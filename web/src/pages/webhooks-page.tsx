import { useState } from 'react';
import { Button } from 'react-aria-components';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../api/client.js';
import type { Webhook, WebhookWithSecret } from '../api/types.js';
import { Confirm } from '../components/confirm.js';
import { ErrorNotice, Loading, SuccessNotice } from '../components/feedback.js';
import { LoadMore } from '../components/load-more.js';
import { useOrg } from '../components/org-layout.js';
import { PlanNotice } from '../components/plan-notice.js';
import { SecretReveal } from '../components/tokens.js';
import { WebhookDetails } from '../components/webhook-details.js';
import { eventsText, WebhookForm } from '../components/webhook-form.js';
import { type WebhookAction, WebhookTable } from '../components/webhook-table.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { usePaged } from '../hooks/use-paged.js';

const secretWarning = (
  <>
    <strong>Store it securely: it will not be shown again.</strong> Put it in your receiver's
    configuration now: it checks the <code>webhook-signature</code> header of every delivery with
    it.
  </>
);

/** The signing secret of a webhook just added, once, with what it receives. */
function NewWebhookSecret({ webhook, onDone }: { webhook: WebhookWithSecret; onDone(): void }) {
  return (
    <SecretReveal
      secret={webhook.secret}
      title={`Signing secret of ${webhook.url}`}
      label="Webhook signing secret"
      warning={secretWarning}
      autoFocus
    >
      <dl className="details">
        <dt>Payload URL</dt>
        <dd>{webhook.url}</dd>
        <dt>Events</dt>
        <dd>{eventsText(webhook.events)}</dd>
      </dl>
      <p className="actions">
        <Button className="button button-primary" onPress={onDone}>
          Done
        </Button>
      </p>
    </SecretReveal>
  );
}

/**
 * Administration → Webhooks: the organization's webhooks; the one in the address
 * (`…/webhooks/{webhookId}`) with its deliveries below the list; a form to add one, whose
 * signing secret is shown once.
 */
export function WebhooksPage() {
  const { org } = useOrg();
  const { webhookId } = useParams();
  const navigate = useNavigate();
  const base = `/orgs/${encodeURIComponent(org.key)}/admin/webhooks`;
  const included = org.features.notifications.included;
  const list = usePaged(
    (cursor) =>
      included ? api.webhooks(org.key, cursor) : Promise.resolve({ items: [], nextCursor: null }),
    [org.key, included],
  );
  const [created, setCreated] = useState<WebhookWithSecret | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  // Reloads the webhook shown below the list and its deliveries after an action.
  const [round, setRound] = useState(0);

  function changed(message: string) {
    setDone(message);
    list.reload();
    setRound((n) => n + 1);
  }

  async function act(action: WebhookAction, webhook: Webhook) {
    setDone(null);
    setFailure(null);
    if (action === 'delete') {
      setDeleting(webhook);
      return;
    }
    try {
      if (action === 'ping') {
        await api.pingWebhook(org.key, webhook.id);
        navigate(`${base}/${webhook.id}`);
        changed(
          `A test event (webhook.ping) is on its way to ${webhook.url}; its delivery is listed under Deliveries.`,
        );
      } else {
        const next = await api.updateWebhook(org.key, webhook.id, { active: !webhook.active });
        changed(
          next.active
            ? `${next.url} is enabled: events are sent to it again.`
            : `${next.url} is disabled: no events are sent to it until it is enabled again.`,
        );
      }
    } catch (error) {
      setFailure(error);
    }
  }

  usePageTitle(`Webhooks · ${org.name}`);
  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      <p className="lead">
        Events about the tokens of {org.name} (expiring, expired, stale, revoked, rotated, leaked)
        sent to your own services as they happen. Each delivery is a signed POST of JSON, per the
        Standard Webhooks specification; when admins are emailed is set under{' '}
        <Link to={`/orgs/${encodeURIComponent(org.key)}/admin/notifications`}>Notifications</Link>.
      </p>
      <PlanNotice org={org} feature="notifications" id="webhooks-plan">
        Once it is, add webhooks here.
      </PlanNotice>
      <SuccessNotice message={done} />
      <ErrorNotice error={failure} />
      {created && <NewWebhookSecret webhook={created} onDone={() => setCreated(null)} />}
      {included && (
        <>
          <ErrorNotice error={list.error} />
          {list.loading ? (
            <Loading what="webhooks" />
          ) : list.items.length === 0 ? (
            <p className="empty">
              No webhooks yet. Add one below to hear about tokens as it happens.
            </p>
          ) : (
            <WebhookTable
              webhooks={list.items}
              base={base}
              caption={`Webhooks of ${org.name}`}
              current={webhookId}
              onAction={act}
            />
          )}
          <LoadMore loadMore={list.loadMore} />
          {webhookId && (
            <WebhookDetails
              org={org.key}
              webhookId={webhookId}
              round={round}
              onAction={act}
              onSaved={(webhook) => changed(`${webhook.url} is saved.`)}
              onRedelivered={(delivery) =>
                changed(`${delivery.eventType} is on its way again, with the same webhook-id.`)
              }
            />
          )}
          <section aria-labelledby="add-webhook">
            <h2 id="add-webhook">Add a webhook</h2>
            <WebhookForm
              key={created?.id ?? 'new'}
              submitLabel="Add webhook"
              onSubmit={async (body) => {
                setDone(null);
                const webhook = await api.createWebhook(org.key, body);
                setCreated(webhook);
                list.reload();
              }}
            />
          </section>
        </>
      )}
      {deleting && (
        <Confirm
          isOpen
          onOpenChange={(open) => !open && setDeleting(null)}
          title={`Delete the webhook for ${deleting.url}?`}
          confirmLabel="Delete webhook"
          danger
          onConfirm={async () => {
            await api.deleteWebhook(org.key, deleting.id);
            if (deleting.id === webhookId) navigate(base);
            changed(`The webhook for ${deleting.url} is deleted; nothing more is sent to it.`);
          }}
        >
          <p>
            orgtoken stops sending events to this address at once, and its deliveries are deleted
            with it. This cannot be undone; to pause it instead, disable it.
          </p>
        </Confirm>
      )}
    </section>
  );
}
