import { Type } from '@sinclair/typebox';
import { Nullable } from './common.js';

/** GET /api/v1/server: what clients show about the server itself. */
export const ServerInfoSchema = Type.Object({
  version: Type.String(),
  publicUrl: Nullable(Type.String(), {
    description:
      'ORGTOKEN_PUBLIC_URL without a trailing slash: the server URL to show in CI snippets; null when unset, and a page then shows the origin it was served from',
  }),
});
