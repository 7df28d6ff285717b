import { type Static, Type } from '@sinclair/typebox';
import { Email, Id, Name, Password, Strict, Timestamp } from './common.js';

export const UserSchema = Type.Object({
  id: Id,
  email: Type.String(),
  name: Type.String(),
  instanceAdmin: Type.Boolean(),
  active: Type.Boolean(),
  createdAt: Timestamp,
});
export type User = Static<typeof UserSchema>;

export const NewUserBody = Strict({
  email: Email,
  name: Name,
  password: Password,
  instanceAdmin: Type.Optional(Type.Boolean()),
});
export type NewUser = Static<typeof NewUserBody>;

export const UserParams = Strict({ userId: Id });

/** What an instance admin may change about a user; at least one is given. */
export const UserChangeBody = Type.Object(
  { active: Type.Optional(Type.Boolean()), instanceAdmin: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
export type UserChange = Static<typeof UserChangeBody>;
