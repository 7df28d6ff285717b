import type { FastifyInstance } from 'fastify';

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. `/api/v1/orgs/{org}`. */
  path: string;
  /** The operation's request body schema, when it takes one. */
  bodySchema: { properties?: Record<string, object>; required?: string[] } | null;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      { requestBody?: { content: Record<string, { schema: Operation['bodySchema'] }> } }
    >
  >;
}

/** Every documented operation of the app, from its OpenAPI document (generated from the routes). */
export async function operations(app: FastifyInstance): Promise<Operation[]> {
  await app.ready();
  const document = app.swagger() as unknown as OpenApiDocument;
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      bodySchema: operation.requestBody?.content['application/json']?.schema ?? null,
    })),
  );
}

/** `METHOD /path` of an operation, the key of the tables in the security tests. */
export function operationKey(operation: Pick<Operation, 'method' | 'path'>): string {
  return `${operation.method} ${operation.path}`;
}

/** Fills `{param}` placeholders from `values`. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name}`);
    return encodeURIComponent(value);
  });
}
