import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { OrgParams, Page, PageQuery } from '../../contract/common.js';
import {
  DeliveryListQuery,
  DeliveryParams,
  DeliverySchema,
  NewWebhookBody,
  NotificationSettingsSchema,
  WebhookChangeBody,
  WebhookParams,
  WebhookSchema,
  WebhookWithSecret,
} from '../../contract/notifications.js';
import type { ServiceDeps } from '../../services/context.js';
import { getNotificationSettings, putNotificationSettings } from '../../services/notifications.js';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  pageDeliveries,
  pageWebhooks,
  pingWebhook,
  redeliver,
  updateWebhook,
} from '../../services/webhooks.js';
import { callerOf } from '../auth/principal.js';
import { authErrors, errors } from '../responses.js';

const manageErrors = [...authErrors, 'FORBIDDEN', 'NOT_FOUND'] as const;
const tags = ['notifications'];

/** Notification settings, webhooks and their deliveries (docs/api.md "Notifications and webhooks"). */
export function notificationRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/orgs/:org/notification-settings',
      {
        schema: {
          tags,
          summary: 'When the organization hears about its tokens (org admins)',
          params: OrgParams,
          response: { 200: NotificationSettingsSchema, ...errors(...manageErrors) },
        },
      },
      async (request) => getNotificationSettings(deps, callerOf(request), request.params),
    );

    app.put(
      '/orgs/:org/notification-settings',
      {
        schema: {
          tags,
          summary: 'Replace the notification settings (org admins, team plan and up)',
          params: OrgParams,
          body: NotificationSettingsSchema,
          response: {
            200: NotificationSettingsSchema,
            ...errors(...manageErrors, 'PLAN_REQUIRED'),
          },
        },
      },
      async (request) =>
        putNotificationSettings(deps, callerOf(request), request.params, request.body),
    );

    app.get(
      '/orgs/:org/webhooks',
      {
        schema: {
          tags,
          summary: "The organization's webhooks, newest first (org admins)",
          params: OrgParams,
          querystring: PageQuery,
          response: { 200: Page(WebhookSchema), ...errors(...manageErrors) },
        },
      },
      async (request) => pageWebhooks(deps, callerOf(request), request.params, request.query),
    );

    app.post(
      '/orgs/:org/webhooks',
      {
        schema: {
          tags,
          summary: 'Add a webhook; the answer holds its signing secret, once (org admins)',
          params: OrgParams,
          body: NewWebhookBody,
          response: {
            201: WebhookWithSecret,
            ...errors(...manageErrors, 'PLAN_REQUIRED', 'CONFLICT'),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await createWebhook(deps, callerOf(request), request.params, request.body)),
    );

    app.get(
      '/orgs/:org/webhooks/:webhookId',
      {
        schema: {
          tags,
          summary: 'One webhook (org admins)',
          params: WebhookParams,
          response: { 200: WebhookSchema, ...errors(...manageErrors) },
        },
      },
      async (request) => getWebhook(deps, callerOf(request), request.params),
    );

    app.patch(
      '/orgs/:org/webhooks/:webhookId',
      {
        schema: {
          tags,
          summary: 'Change URL, events, description or active (org admins)',
          params: WebhookParams,
          body: WebhookChangeBody,
          response: { 200: WebhookSchema, ...errors(...manageErrors, 'PLAN_REQUIRED') },
        },
      },
      async (request) => updateWebhook(deps, callerOf(request), request.params, request.body),
    );

    app.delete(
      '/orgs/:org/webhooks/:webhookId',
      {
        schema: {
          tags,
          summary: 'Remove a webhook and its deliveries (org admins)',
          params: WebhookParams,
          response: { 204: Type.Null(), ...errors(...manageErrors) },
        },
      },
      async (request, reply) => {
        await deleteWebhook(deps, callerOf(request), request.params);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/orgs/:org/webhooks/:webhookId/ping',
      {
        schema: {
          tags,
          summary: 'Send webhook.ping to this webhook (org admins)',
          params: WebhookParams,
          response: {
            202: DeliverySchema,
            ...errors(...manageErrors, 'PLAN_REQUIRED', 'CONFLICT'),
          },
        },
      },
      async (request, reply) =>
        reply.code(202).send(await pingWebhook(deps, callerOf(request), request.params)),
    );

    app.get(
      '/orgs/:org/webhooks/:webhookId/deliveries',
      {
        schema: {
          tags,
          summary: "A webhook's deliveries, newest first (org admins)",
          params: WebhookParams,
          querystring: DeliveryListQuery,
          response: { 200: Page(DeliverySchema), ...errors(...manageErrors) },
        },
      },
      async (request) => pageDeliveries(deps, callerOf(request), request.params, request.query),
    );

    app.post(
      '/orgs/:org/webhooks/:webhookId/deliveries/:deliveryId/redeliver',
      {
        schema: {
          tags,
          summary: 'Send the event again: same webhook-id, new timestamp and signature',
          params: DeliveryParams,
          response: {
            202: DeliverySchema,
            ...errors(...manageErrors, 'PLAN_REQUIRED', 'CONFLICT'),
          },
        },
      },
      async (request, reply) =>
        reply.code(202).send(await redeliver(deps, callerOf(request), request.params)),
    );
  };
}
