import { Type } from '@sinclair/typebox';

/** /healthz: the process answers. */
export const LiveSchema = Type.Object({ status: Type.Literal('ok') });

/** /readyz: the process answers and its store does too. */
export const ReadySchema = Type.Object({ status: Type.Literal('ready') });
