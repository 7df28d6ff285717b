import type {
  Analysis,
  AnalysisIssue,
  AuditEvent,
  CheckResult,
  Delivery,
  Exchange,
  Member,
  NewTrustPolicy,
  NewWebhook,
  NotificationSettings,
  Organization,
  OrgToken,
  Page,
  Permission,
  PersonalToken,
  Project,
  ProjectScope,
  QualityGate,
  ServerInfo,
  Session,
  TokenPolicy,
  TokenStatus,
  TrustPolicy,
  TrustPolicyChange,
  User,
  Webhook,
  WebhookChange,
  WebhookWithSecret,
  WithSecret,
} from './types.js';

/** An error answer of the API (docs/api.md "Errors"): its code, human message and, for 400, the field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

// The session's CSRF token (GET /api/v1/session), echoed on every state-changing request.
let csrfToken: string | null = null;
let onSessionLost: (() => void) | null = null;

export function rememberCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request meets 401 AUTH_REQUIRED: the session expired or was ended. */
export function whenSessionLost(handler: (() => void) | null): void {
  onSessionLost = handler;
}

type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function request<T>(
  method: Method,
  path: string,
  options: { body?: unknown; query?: Query; quietAuth?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(withQuery(`/api/v1${path}`, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server could not be reached. Check your connection.');
  }
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => null)) as {
    error?: { code: string; message: string; field?: string; requestId?: string };
  } | null;
  if (!response.ok) {
    const error = body?.error;
    const failure = new ApiError(
      response.status,
      error?.code ?? 'UNKNOWN',
      error?.message ?? `The server answered ${response.status}.`,
      error?.field,
      error?.requestId,
    );
    if (response.status === 401 && !options.quietAuth) onSessionLost?.();
    throw failure;
  }
  return body as T;
}

const org = (key: string) => `/orgs/${encodeURIComponent(key)}`;
const webhook = (orgKey: string, id: string) => `${org(orgKey)}/webhooks/${encodeURIComponent(id)}`;
const trustPolicy = (orgKey: string, id: string) =>
  `${org(orgKey)}/trust-policies/${encodeURIComponent(id)}`;
const project = (orgKey: string, key: string) =>
  `${org(orgKey)}/projects/${encodeURIComponent(key)}`;

export interface TokenInput {
  name: string;
  description: string;
  permissions: string[];
  projects: ProjectScope;
  expiresAt: string | null;
  allowedCidrs?: string[];
}

/** Every API call the UI makes, typed by the server's own schemas. */
export const api = {
  setupRequired: () => request<{ required: boolean }>('GET', '/setup', { quietAuth: true }),
  completeSetup: (body: { code: string; email: string; name: string; password: string }) =>
    request<User>('POST', '/setup', { body, quietAuth: true }),
  session: () => request<Session>('GET', '/session', { quietAuth: true }),
  signIn: (email: string, password: string) =>
    request<Session>('POST', '/session', { body: { email, password }, quietAuth: true }),
  signOut: () => request<void>('DELETE', '/session', { quietAuth: true }),

  serverInfo: () => request<ServerInfo>('GET', '/server'),

  users: (cursor?: string) =>
    request<Page<User>>('GET', '/users', { query: { cursor, limit: 200 } }),
  createUser: (body: { email: string; name: string; password: string; instanceAdmin: boolean }) =>
    request<User>('POST', '/users', { body }),
  changeUser: (userId: string, body: { active?: boolean; instanceAdmin?: boolean }) =>
    request<User>('PATCH', `/users/${encodeURIComponent(userId)}`, { body }),
  orgs: (cursor?: string) =>
    request<Page<Organization>>('GET', '/orgs', { query: { cursor, limit: 200 } }),
  createOrg: (body: { key: string; name: string; plan: string }) =>
    request<Organization>('POST', '/orgs', { body }),
  org: (key: string) => request<Organization>('GET', org(key)),

  members: (orgKey: string, cursor?: string, limit?: number) =>
    request<Page<Member>>('GET', `${org(orgKey)}/members`, { query: { cursor, limit } }),
  addMember: (orgKey: string, body: { email: string; role: string }) =>
    request<Member>('POST', `${org(orgKey)}/members`, { body }),
  putMember: (orgKey: string, userId: string, role: string) =>
    request<Member>('PUT', `${org(orgKey)}/members/${encodeURIComponent(userId)}`, {
      body: { role },
    }),
  removeMember: (orgKey: string, userId: string) =>
    request<void>('DELETE', `${org(orgKey)}/members/${encodeURIComponent(userId)}`),

  projects: (orgKey: string, query: { cursor?: string; limit?: number } = {}) =>
    request<Page<Project>>('GET', `${org(orgKey)}/projects`, { query }),
  createProject: (orgKey: string, body: { key: string; name: string }) =>
    request<Project>('POST', `${org(orgKey)}/projects`, { body }),
  project: (orgKey: string, key: string) => request<Project>('GET', project(orgKey, key)),
  analyses: (orgKey: string, key: string, cursor?: string) =>
    request<Page<Analysis>>('GET', `${project(orgKey, key)}/analyses`, { query: { cursor } }),
  issues: (
    orgKey: string,
    key: string,
    analysisId: string,
    query: { level?: string; rule?: string; cursor?: string },
  ) =>
    request<Page<AnalysisIssue>>(
      'GET',
      `${project(orgKey, key)}/analyses/${encodeURIComponent(analysisId)}/issues`,
      { query },
    ),
  qualityGate: (orgKey: string, key: string) =>
    request<QualityGate>('GET', `${project(orgKey, key)}/quality-gate`),
  putQualityGate: (orgKey: string, key: string, body: QualityGate) =>
    request<QualityGate>('PUT', `${project(orgKey, key)}/quality-gate`, { body }),

  tokens: (
    orgKey: string,
    query: {
      status?: TokenStatus;
      q?: string;
      stale?: boolean;
      expiringWithinDays?: number;
      cursor?: string;
    },
  ) => request<Page<OrgToken>>('GET', `${org(orgKey)}/tokens`, { query }),
  token: (orgKey: string, id: string) =>
    request<OrgToken>('GET', `${org(orgKey)}/tokens/${encodeURIComponent(id)}`),
  createToken: (orgKey: string, body: TokenInput) =>
    request<WithSecret<OrgToken>>('POST', `${org(orgKey)}/tokens`, { body }),
  updateToken: (orgKey: string, id: string, body: Partial<Omit<TokenInput, 'expiresAt'>>) =>
    request<OrgToken>('PATCH', `${org(orgKey)}/tokens/${encodeURIComponent(id)}`, { body }),
  rotateToken: (
    orgKey: string,
    id: string,
    body: { expiresAt?: string | null; gracePeriodSeconds?: number; graceUntilFirstUse?: boolean },
  ) =>
    request<WithSecret<OrgToken>>(
      'POST',
      `${org(orgKey)}/tokens/${encodeURIComponent(id)}/rotate`,
      { body },
    ),
  revokeToken: (orgKey: string, id: string) =>
    request<OrgToken>('DELETE', `${org(orgKey)}/tokens/${encodeURIComponent(id)}`),
  tokenPolicy: (orgKey: string) => request<TokenPolicy>('GET', `${org(orgKey)}/token-policy`),
  putTokenPolicy: (orgKey: string, body: TokenPolicy) =>
    request<TokenPolicy>('PUT', `${org(orgKey)}/token-policy`, { body }),

  notificationSettings: (orgKey: string) =>
    request<NotificationSettings>('GET', `${org(orgKey)}/notification-settings`),
  putNotificationSettings: (orgKey: string, body: NotificationSettings) =>
    request<NotificationSettings>('PUT', `${org(orgKey)}/notification-settings`, { body }),
  webhooks: (orgKey: string, cursor?: string) =>
    request<Page<Webhook>>('GET', `${org(orgKey)}/webhooks`, { query: { cursor } }),
  webhook: (orgKey: string, id: string) => request<Webhook>('GET', webhook(orgKey, id)),
  createWebhook: (orgKey: string, body: NewWebhook) =>
    request<WebhookWithSecret>('POST', `${org(orgKey)}/webhooks`, { body }),
  updateWebhook: (orgKey: string, id: string, body: WebhookChange) =>
    request<Webhook>('PATCH', webhook(orgKey, id), { body }),
  deleteWebhook: (orgKey: string, id: string) => request<void>('DELETE', webhook(orgKey, id)),
  pingWebhook: (orgKey: string, id: string) =>
    request<Delivery>('POST', `${webhook(orgKey, id)}/ping`),
  deliveries: (orgKey: string, id: string, cursor?: string) =>
    request<Page<Delivery>>('GET', `${webhook(orgKey, id)}/deliveries`, { query: { cursor } }),
  redeliver: (orgKey: string, id: string, deliveryId: string) =>
    request<Delivery>(
      'POST',
      `${webhook(orgKey, id)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`,
    ),

  trustPolicies: (orgKey: string, cursor?: string) =>
    request<Page<TrustPolicy>>('GET', `${org(orgKey)}/trust-policies`, { query: { cursor } }),
  trustPolicy: (orgKey: string, id: string) => request<TrustPolicy>('GET', trustPolicy(orgKey, id)),
  createTrustPolicy: (orgKey: string, body: NewTrustPolicy) =>
    request<TrustPolicy>('POST', `${org(orgKey)}/trust-policies`, { body }),
  updateTrustPolicy: (orgKey: string, id: string, body: TrustPolicyChange) =>
    request<TrustPolicy>('PATCH', trustPolicy(orgKey, id), { body }),
  deleteTrustPolicy: (orgKey: string, id: string) =>
    request<void>('DELETE', trustPolicy(orgKey, id)),
  /** A dry run of an exchange: the JWT goes in the body of this one request, nowhere else. */
  checkTrustPolicy: (orgKey: string, id: string, token: string) =>
    request<CheckResult>('POST', `${trustPolicy(orgKey, id)}/check`, { body: { token } }),
  exchanges: (orgKey: string, id: string, cursor?: string) =>
    request<Page<Exchange>>('GET', `${trustPolicy(orgKey, id)}/exchanges`, { query: { cursor } }),
  revokeExchange: (orgKey: string, id: string, tokenId: string) =>
    request<Exchange>(
      'DELETE',
      `${trustPolicy(orgKey, id)}/exchanges/${encodeURIComponent(tokenId)}`,
    ),

  auditEvents: (
    orgKey: string,
    query: { action?: string; since?: string; until?: string; cursor?: string },
  ) => request<Page<AuditEvent>>('GET', `${org(orgKey)}/audit-events`, { query }),
  instanceAuditEvents: (query: {
    action?: string;
    since?: string;
    until?: string;
    cursor?: string;
  }) => request<Page<AuditEvent>>('GET', '/audit-events', { query }),

  personalTokens: (cursor?: string) =>
    request<Page<PersonalToken>>('GET', '/user/tokens', { query: { cursor } }),
  createPersonalToken: (body: {
    name: string;
    expiresAt: string | null;
    permissions?: Permission[];
    org?: string;
    projects?: ProjectScope;
  }) => request<WithSecret<PersonalToken>>('POST', '/user/tokens', { body }),
  revokePersonalToken: (id: string) =>
    request<PersonalToken>('DELETE', `/user/tokens/${encodeURIComponent(id)}`),
};

/**
 * Every item of a cursor-paged list, page after page, up to `max`: for pickers that need the
 * whole list (organizations, projects, people) rather than a page to scroll.
 */
export async function everyPage<T>(
  loadPage: (cursor?: string) => Promise<Page<T>>,
  max = 5000,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await loadPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < max);
  return items;
}
