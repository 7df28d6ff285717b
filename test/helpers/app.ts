import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { type AppDeps, buildApp } from '../../src/app.js';
import type { User } from '../../src/contract/users.js';
import type { Clock } from '../../src/domain/clock.js';
import type { Plan, Role } from '../../src/domain/organizations.js';
import { PasswordHasher } from '../../src/domain/passwords.js';
import type { ServiceDeps } from '../../src/services/context.js';
import type { FirstRunSetup } from '../../src/services/setup.js';
import { insertNewUser } from '../../src/services/users.js';
import type { Engine, Store } from '../../src/store/db.js';
import { freshStore } from './engines.js';

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  private ms: number;
  constructor(start = Date.now()) {
    this.ms = start;
  }
  now(): Date {
    return new Date(this.ms);
  }
  nowMs(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

interface NamedNode {
  kind: string;
  table?: NamedNode;
  identifier?: { name: string };
  node?: NamedNode;
}

/** The table a from or join item names (through an alias), if it is a table. */
function tableName(item: NamedNode | undefined): string | null {
  if (!item) return null;
  if (item.kind === 'AliasNode') return tableName(item.node);
  if (item.kind === 'TableNode') return item.table?.identifier?.name ?? null;
  return null;
}

/** The tables a query reads from or joins. */
function tablesOf(node: RootOperationNode): string[] {
  const query = node as unknown as {
    from?: { froms: NamedNode[] };
    joins?: Array<{ table: NamedNode }>;
  };
  const items = [...(query.from?.froms ?? []), ...(query.joins ?? []).map((join) => join.table)];
  return items.map(tableName).filter((name): name is string => name !== null);
}

/** Counts queries (and remembers their kinds and tables) as a Kysely plugin. */
export class QueryCounter implements KyselyPlugin {
  /** Each query in order: its kind, and the tables its from and join clauses name. */
  readonly log: Array<{ kind: string; tables: string[] }> = [];
  #held: Promise<void> | null = null;
  get count(): number {
    return this.log.length;
  }
  /** Each query's kind, in order. */
  get sql(): string[] {
    return this.log.map((query) => query.kind);
  }
  /**
   * Holds every query's answer until the returned function is called: a test can then act
   * while a request waits on the store (a client leaving mid-authorization, say).
   */
  hold(): () => void {
    let release: () => void = () => {};
    this.#held = new Promise<void>((resolve) => {
      release = resolve;
    });
    return () => {
      this.#held = null;
      release();
    };
  }
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.log.push({ kind: args.node.kind, tables: tablesOf(args.node) });
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.#held) await this.#held;
    return args.result;
  }
}

/** scrypt at test strength: same code path, a fraction of the work. */
export const testScryptParams = { N: 2 ** 10, r: 8, p: 1 };

export interface TestSession {
  cookie: string;
  csrf: string;
  user: User;
}

let counter = 0;
/** A value unique within the test run, for emails, keys and names. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}${process.pid.toString(36)}${counter.toString(36)}`;
}

export const password = 'correct horse battery staple';

export interface RecordedResponse {
  method: string;
  url: string;
  status: number;
  body: string;
}

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  clock: TestClock;
  deps: ServiceDeps;
  /** Every response `request` received, for assertions over a whole suite. */
  responses: RecordedResponse[];
  /** Counts the store queries made through `store`. */
  queries: QueryCounter;
  /** The app's first-run setup; `start(null)` on an empty store returns the code. */
  setup: FirstRunSetup;
  close(): Promise<void>;
  /** Sends a request, as `session` when given (cookie plus CSRF header). */
  request(
    session: TestSession | null,
    options: InjectOptions & { csrf?: boolean },
  ): Promise<LightMyRequestResponse>;
  createUser(options?: { instanceAdmin?: boolean; email?: string }): Promise<User>;
  signIn(email: string, secret?: string): Promise<TestSession>;
  /** A new user, signed in. */
  newSession(options?: { instanceAdmin?: boolean }): Promise<TestSession>;
  /** A new organization created by `admin` (an instance admin), with `orgAdmin` as its admin. */
  createOrg(
    admin: TestSession,
    options?: { plan?: Plan; orgAdmin?: TestSession },
  ): Promise<{ key: string; id: string }>;
  addMember(admin: TestSession, orgKey: string, userId: string, role: Role): Promise<void>;
}

/** The app on a fresh, migrated store of `engine`, with a test clock and fast scrypt. */
export async function createTestApp(
  engine: Engine,
  options: {
    sessionSeconds?: number;
    trustProxy?: boolean | string[];
    rateLimits?: { tokenFailuresPerMinute: number; passwordFailuresPer15Minutes: number };
    /** The web UI to serve (default: the API alone; the browser suites run the real build). */
    webRoot?: string;
    /** The ingest pool's limits and worker (the ingest suites hold it busy or crash it). */
    ingest?: AppDeps['ingest'];
    /** Mail, webhook transport and retries (the notification suites). */
    notifications?: AppDeps['notifications'];
    /** CI issuers allowed over http (the OIDC suites' issuer on 127.0.0.1). */
    oidcInsecureIssuers?: string[];
    /** GitHub's secret scanning keys, served by a test server. */
    githubKeysUrl?: string;
    /** Count the rate limits in this Redis (the suites' own redis-server). */
    redisUrl?: string;
  } = {},
): Promise<TestApp> {
  const fresh = await freshStore(engine);
  const queries = new QueryCounter();
  // Every query the services make passes the counter; tests read it to prove a path is free.
  const store: Store = { ...fresh.store, db: fresh.store.db.withPlugin(queries) };
  const drop = fresh.drop;
  const clock = new TestClock();
  const base = {
    store,
    clock,
    passwords: new PasswordHasher(testScryptParams),
    // Suites that move the clock by days ask for sessions that outlive their moves.
    sessions: {
      idleSeconds: options.sessionSeconds ?? 2 * 3600,
      absoluteSeconds: options.sessionSeconds ?? 7 * 24 * 3600,
    },
  };
  const app = await buildApp({
    ...base,
    logger: false,
    // Suites send many failing requests from one address on purpose; the rate-limit tests
    // ask for real limits.
    rateLimits: options.rateLimits ?? {
      tokenFailuresPerMinute: 1_000_000,
      passwordFailuresPer15Minutes: 1_000_000,
    },
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    ...(options.ingest === undefined ? {} : { ingest: options.ingest }),
    ...(options.notifications === undefined ? {} : { notifications: options.notifications }),
    ...(options.oidcInsecureIssuers === undefined
      ? {}
      : { oidcInsecureIssuers: options.oidcInsecureIssuers }),
    ...(options.githubKeysUrl === undefined ? {} : { githubKeysUrl: options.githubKeysUrl }),
    ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
    webRoot: options.webRoot ?? false,
    // Every answer of the suite must be one its route declares (src/http/status-guard.ts).
    checkDeclaredStatuses: true,
  });
  const deps = app.runtime.services;

  const responses: RecordedResponse[] = [];
  const request: TestApp['request'] = async (session, { csrf = true, headers, ...options }) => {
    const response = await app.inject({
      ...options,
      headers: {
        ...(session ? { cookie: `orgtoken_session=${session.cookie}` } : {}),
        ...(session && csrf ? { 'x-csrf-token': session.csrf } : {}),
        ...headers,
      },
    });
    responses.push({
      method: options.method ?? 'GET',
      url: String(options.url ?? ''),
      status: response.statusCode,
      body: response.body,
    });
    return response;
  };

  const createUser: TestApp['createUser'] = (options = {}) =>
    insertNewUser(deps, {
      email: options.email ?? `${unique('user')}@example.test`,
      name: 'Test User',
      password,
      instanceAdmin: options.instanceAdmin ?? false,
    });

  const signIn: TestApp['signIn'] = async (email, secret = password) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email, password: secret },
    });
    if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.body}`);
    const cookie = response.cookies.find((c) => c.name === 'orgtoken_session');
    if (!cookie) throw new Error('sign-in set no session cookie');
    const body = response.json() as { user: User; csrfToken: string };
    return { cookie: cookie.value, csrf: body.csrfToken, user: body.user };
  };

  const newSession: TestApp['newSession'] = async (options) => {
    const user = await createUser(options);
    return signIn(user.email);
  };

  const addMember: TestApp['addMember'] = async (admin, orgKey, userId, role) => {
    const response = await request(admin, {
      method: 'PUT',
      url: `/api/v1/orgs/${orgKey}/members/${userId}`,
      payload: { role },
    });
    if (response.statusCode !== 200) throw new Error(`add member failed: ${response.body}`);
  };

  const createOrg: TestApp['createOrg'] = async (admin, options = {}) => {
    const key = unique('org-');
    const response = await request(admin, {
      method: 'POST',
      url: '/api/v1/orgs',
      payload: { key, name: `Org ${key}`, plan: options.plan ?? 'team' },
    });
    if (response.statusCode !== 201) throw new Error(`create org failed: ${response.body}`);
    if (options.orgAdmin) await addMember(admin, key, options.orgAdmin.user.id, 'admin');
    return { key, id: (response.json() as { id: string }).id };
  };

  return {
    app,
    store,
    clock,
    deps,
    queries,
    responses,
    setup: app.runtime.setup,
    request,
    createUser,
    signIn,
    newSession,
    createOrg,
    addMember,
    close: async () => {
      await app.close();
      await drop();
    },
  };
}
