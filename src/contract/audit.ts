import { type Static, Type } from '@sinclair/typebox';
import { Id, PageQueryWith, Timestamp } from './common.js';

const Party = Type.Object({
  type: Type.String(),
  id: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
});

export const AuditEventSchema = Type.Object({
  id: Id,
  at: Timestamp,
  action: Type.String(),
  actor: Party,
  target: Party,
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEvent = Static<typeof AuditEventSchema>;

/** Which events to read: one action, from `since` (inclusive) to `until` (exclusive). */
const auditFilterQuery = {
  action: Type.Optional(Type.String({ pattern: '^[a-z_]+\\.[a-z_]+$', maxLength: 64 })),
  since: Type.Optional(Timestamp),
  until: Type.Optional(Timestamp),
};

/** A page of the instance's log. */
export const InstanceAuditQuery = PageQueryWith(auditFilterQuery);

/** A page of an organization's log, or the whole filtered log as a file. */
export const OrgAuditQuery = PageQueryWith({
  ...auditFilterQuery,
  format: Type.Optional(
    Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], {
      description: 'Stream the whole filtered log instead of a page (enterprise)',
    }),
  ),
});
