import { Button, Menu, MenuItem, MenuTrigger, Popover } from 'react-aria-components';
import { Link } from 'react-router';
import type { Webhook } from '../api/types.js';
import { TableWrap } from './table-wrap.js';
import { DateTime } from './time.js';
import { eventsText } from './webhook-form.js';

export type WebhookAction = 'ping' | 'toggle' | 'delete';

/** Active or disabled: a disabled webhook is kept, with its deliveries, and is sent nothing. */
export function WebhookState({ active }: { active: boolean }) {
  return active ? (
    <span className="badge badge-active">Active</span>
  ) : (
    <span className="badge badge-disabled">Disabled</span>
  );
}

/**
 * The organization's webhooks: address (a link to its deliveries), events, description,
 * state, creation, and row actions (test event, enable or disable, delete). The webhook
 * shown below the table is marked as the current row.
 */
export function WebhookTable({
  webhooks,
  base,
  caption,
  current,
  onAction,
}: {
  webhooks: Webhook[];
  base: string;
  caption: string;
  current: string | undefined;
  onAction(action: WebhookAction, webhook: Webhook): void;
}) {
  return (
    <TableWrap label="Webhooks">
      <table className="table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Payload URL</th>
            <th scope="col">Events</th>
            <th scope="col">Description</th>
            <th scope="col">State</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {webhooks.map((webhook) => (
            <tr key={webhook.id} aria-current={webhook.id === current ? 'true' : undefined}>
              <th scope="row" className="url-cell">
                <Link to={`${base}/${webhook.id}`}>{webhook.url}</Link>
              </th>
              <td data-label="Events">{eventsText(webhook.events)}</td>
              <td data-label="Description">{webhook.description}</td>
              <td>
                <WebhookState active={webhook.active} />
              </td>
              <td data-label="Created">
                <DateTime at={webhook.createdAt} />
                {webhook.createdBy && <div className="muted">by {webhook.createdBy.name}</div>}
              </td>
              <td>
                <MenuTrigger>
                  <Button className="button button-quiet" aria-label={`Actions for ${webhook.url}`}>
                    ⋯
                  </Button>
                  <Popover className="popover">
                    <Menu
                      className="menu"
                      onAction={(action) => onAction(action as WebhookAction, webhook)}
                    >
                      <MenuItem id="ping" className="menu-item">
                        Send a test event
                      </MenuItem>
                      <MenuItem id="toggle" className="menu-item">
                        {webhook.active ? 'Disable' : 'Enable'}
                      </MenuItem>
                      <MenuItem id="delete" className="menu-item menu-item-danger">
                        Delete…
                      </MenuItem>
                    </Menu>
                  </Popover>
                </MenuTrigger>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
