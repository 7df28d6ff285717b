import { type Static, Type } from '@sinclair/typebox';
import { Email, Name, Password, Strict } from './common.js';

export const SetupStateSchema = Type.Object({ required: Type.Boolean() });

/** The first instance admin, with the one-time code the server printed at start. */
export const SetupBody = Strict({
  code: Type.String({ minLength: 1, maxLength: 200 }),
  email: Email,
  name: Name,
  password: Password,
});
export type Setup = Static<typeof SetupBody>;
