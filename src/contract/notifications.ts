import { type Static, Type } from '@sinclair/typebox';
import {
  maxExpiryWarnings,
  maxStaleAfterDays,
  maxWarningDays,
  notificationEventTypes,
  webhookEventTypes,
} from '../domain/notifications.js';
import { Description, Id, Nullable, OrgKey, PageQuery, Strict, Timestamp } from './common.js';

/** When an organization hears about its tokens (docs/api.md "Notifications and webhooks"). */
export const NotificationSettingsSchema = Type.Object(
  {
    expiryWarningDays: Type.Array(Type.Integer({ minimum: 1, maximum: maxWarningDays }), {
      maxItems: maxExpiryWarnings,
      uniqueItems: true,
      description:
        'Days before expiry at which token.expiring is sent, once per threshold; [] sends none',
    }),
    staleAfterDays: Nullable(Type.Integer({ minimum: 1, maximum: maxStaleAfterDays }), {
      description: 'A token unused this long is stale (flagged, never deleted); null: never',
    }),
    emailAdmins: Type.Boolean({
      description: "Email the organization's admins (and the token's creator while a member)",
    }),
  },
  { additionalProperties: false },
);
export type NotificationSettings = Static<typeof NotificationSettingsSchema>;

export const EventTypeSchema = Type.Union(notificationEventTypes.map((t) => Type.Literal(t)));
const SubscribedEvents = Type.Union(
  [
    Type.Array(Type.Union(webhookEventTypes.map((t) => Type.Literal(t))), {
      minItems: 1,
      maxItems: webhookEventTypes.length,
      uniqueItems: true,
    }),
    Type.Tuple([Type.Literal('*')]),
  ],
  { description: 'The event types sent to it, or ["*"] for all, later ones included' },
);
const WebhookUrl = Type.String({ minLength: 1, maxLength: 2000 });

export const WebhookSchema = Type.Object({
  id: Id,
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.String(),
  active: Type.Boolean(),
  createdAt: Timestamp,
  createdBy: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  updatedAt: Timestamp,
});
export type Webhook = Static<typeof WebhookSchema>;

export const WebhookWithSecret = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.String({
    description: 'The signing secret (whsec_ + base64 of 32 random bytes). Shown once.',
  }),
});

export const WebhookParams = Strict({ org: OrgKey, webhookId: Id });
export const DeliveryParams = Strict({ org: OrgKey, webhookId: Id, deliveryId: Id });

export const NewWebhookBody = Strict({
  url: WebhookUrl,
  events: SubscribedEvents,
  description: Type.Optional(Description),
});
export type NewWebhook = Static<typeof NewWebhookBody>;

export const WebhookChangeBody = Type.Object(
  {
    url: Type.Optional(WebhookUrl),
    events: Type.Optional(SubscribedEvents),
    description: Type.Optional(Description),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type WebhookChange = Static<typeof WebhookChangeBody>;

export const DeliveryStatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivered'),
  Type.Literal('failed'),
]);

export const DeliverySchema = Type.Object({
  id: Id,
  eventId: Type.String({ description: 'The webhook-id header: the same on every attempt' }),
  eventType: Type.String(),
  status: DeliveryStatusSchema,
  attempts: Type.Integer(),
  responseStatus: Nullable(Type.Integer(), {
    description: "The last attempt's HTTP status; null when no answer came",
  }),
  error: Nullable(Type.String(), { description: 'Why the last attempt failed, if it did' }),
  durationMs: Nullable(Type.Integer()),
  lastAttemptAt: Nullable(Timestamp),
  nextAttemptAt: Nullable(Timestamp, { description: 'When it is tried next, while pending' }),
  createdAt: Timestamp,
});
export type Delivery = Static<typeof DeliverySchema>;

export const DeliveryListQuery = PageQuery;

/** The body every webhook receives (and every email is made from). */
export const EventBodySchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  timestamp: Timestamp,
  org: Type.Object({ key: Type.String(), name: Type.String() }),
  data: Type.Record(Type.String(), Type.Unknown()),
});
export type EventBody = Static<typeof EventBodySchema>;
