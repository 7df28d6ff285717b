import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  base64url,
  type CryptoKey,
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importPKCS8,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { type Clock, systemClock } from '../../src/domain/clock.js';

export type IssuerAlgorithm = 'RS256' | 'ES256';

export interface StartOidcIssuerOptions {
  algorithm?: IssuerAlgorithm;
  /** A path after the origin, as a self-managed GitLab under a prefix has (`/gitlab`). */
  path?: string;
  /** The `aud` of the claim sets built here; https://orgtoken.example by default. */
  audience?: string;
  /** The time iat, nbf and exp are counted from; the verifier's clock in tests. */
  clock?: Clock;
}

export interface SignOptions {
  /** The header's alg; another algorithm the issuer's key can sign with (RS384, PS256…). */
  alg?: string;
  /** The header's kid instead of the current key's. */
  kid?: string;
  /** Seconds from now: exp, nbf and iat instead of the claims' own (negative for the past). */
  expiresIn?: number;
  notBefore?: number;
  issuedAt?: number;
  /** Further header parameters; a parameter set to undefined is left out. */
  header?: Record<string, unknown>;
}

export interface OidcIssuer {
  /** `http://127.0.0.1:<port>` and the path: put it in insecureIssuers. */
  issuer: string;
  audience: string;
  /** The current key's kid. */
  readonly kid: string;
  /** How many requests each document had. */
  requests: { discovery: number; jwks: number };
  sign(claims: JWTPayload, options?: SignOptions): Promise<string>;
  /** A new key pair and kid; the old key leaves the JWKS. Returns the new kid. */
  rotateKey(): Promise<string>;
  /** Claims named and shaped as GitHub Actions documents them (invented values). */
  githubClaims(overrides?: Record<string, unknown>): JWTPayload;
  /** Claims named and shaped as GitLab CI documents them (invented values). */
  gitlabClaims(overrides?: Record<string, unknown>): JWTPayload;
  /** A forged token with `alg: none` and no signature. */
  signNone(claims: JWTPayload): string;
  /** A forged token: HS256 with the issuer's public key (SPKI PEM) as the HMAC secret. */
  signHs256WithPublicKey(claims: JWTPayload): Promise<string>;
  /** Fields merged into the discovery document served from now on (undefined removes one). */
  setDiscovery(overrides: Record<string, unknown>): void;
  /** The JWKS body served from now on instead of the current key; null serves the key again. */
  setJwks(body: unknown): void;
  /** Wait this long before answering any request (to test timeouts). */
  setAnswerDelay(ms: number): void;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function newKey(algorithm: IssuerAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(algorithm, { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: algorithm, use: 'sig' };
  return { kid, privateKey, publicKey, jwk };
}

const seconds = (clock: Clock) => Math.floor(clock.nowMs() / 1000);

/**
 * A real OpenID Connect issuer on 127.0.0.1: it serves a discovery document and a JWKS over
 * http (so tests list it in insecureIssuers) and signs JWTs with jose, as GitHub Actions and
 * GitLab CI sign their ID tokens.
 */
export async function startOidcIssuer(options: StartOidcIssuerOptions = {}): Promise<OidcIssuer> {
  const algorithm = options.algorithm ?? 'RS256';
  const clock = options.clock ?? systemClock;
  const path = (options.path ?? '').replace(/\/$/, '');
  const audience = options.audience ?? 'https://orgtoken.example';
  let key = await newKey(algorithm);
  let discoveryOverrides: Record<string, unknown> = {};
  let jwksOverride: unknown = null;
  let delayMs = 0;
  const requests = { discovery: 0, jwks: 0 };
  const timers = new Set<NodeJS.Timeout>();
  let issuer = '';

  const documentFor = (url: string): unknown => {
    if (url === `${path}/.well-known/openid-configuration`) {
      requests.discovery += 1;
      return {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        subject_types_supported: ['public'],
        response_types_supported: ['id_token'],
        id_token_signing_alg_values_supported: [algorithm],
        claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref'],
        ...discoveryOverrides,
      };
    }
    if (url === `${path}/jwks`) {
      requests.jwks += 1;
      return jwksOverride ?? { keys: [key.jwk] };
    }
    return undefined;
  };

  const server: Server = createServer((request, response) => {
    const document = documentFor(request.url ?? '');
    const answer = () => {
      if (document === undefined) {
        response.statusCode = 404;
        response.end();
        return;
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(document));
    };
    if (delayMs === 0) answer();
    else {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, delayMs);
      timers.add(timer);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  const host = issuer.replace(/^https?:\/\//, '');

  const sign = async (claims: JWTPayload, signOptions: SignOptions = {}): Promise<string> => {
    const now = seconds(clock);
    const payload: JWTPayload = { ...claims };
    if (signOptions.expiresIn !== undefined) payload.exp = now + signOptions.expiresIn;
    if (signOptions.notBefore !== undefined) payload.nbf = now + signOptions.notBefore;
    if (signOptions.issuedAt !== undefined) payload.iat = now + signOptions.issuedAt;
    const header = {
      typ: 'JWT',
      alg: signOptions.alg ?? algorithm,
      kid: signOptions.kid ?? key.kid,
      ...signOptions.header,
    };
    return new SignJWT(payload).setProtectedHeader(header).sign(await signingKeyFor(header.alg));
  };

  // WebCrypto binds a key to one algorithm: another one (RS384, PS256 from an RSA key) gets
  // the same key material imported for it, so the token is signed by the published key.
  const signingKeyFor = async (alg: string): Promise<CryptoKey> =>
    alg === algorithm ? key.privateKey : importPKCS8(await exportPKCS8(key.privateKey), alg);

  const timesNow = () => {
    const now = seconds(clock);
    return { iat: now, nbf: now - 5, exp: now + 300 };
  };

  return {
    issuer,
    audience,
    get kid() {
      return key.kid;
    },
    requests,
    sign,
    async rotateKey() {
      key = await newKey(algorithm);
      return key.kid;
    },
    githubClaims(overrides = {}) {
      const owner = 'lumen-works';
      const repository = `${owner}/ledger-api`;
      const ref = typeof overrides.ref === 'string' ? overrides.ref : 'refs/heads/main';
      const environment = overrides.environment;
      // GitHub puts `environment` (and the environment form of `sub`) only into the token of
      // a job that names an environment.
      const sub =
        typeof environment === 'string'
          ? `repo:${repository}:environment:${environment}`
          : `repo:${repository}:ref:${ref}`;
      return {
        jti: randomUUID(),
        sub,
        aud: audience,
        ref,
        sha: '3f9d1c0b7a2e64d58c1b0e9a7f6d5c4b3a2e1f0d',
        repository,
        repository_owner: owner,
        repository_owner_id: '5820147',
        repository_id: '730215588',
        repository_visibility: 'private',
        actor: 'ada-ci',
        actor_id: '9182736',
        workflow: 'Quality',
        workflow_ref: `${repository}/.github/workflows/quality.yml@${ref}`,
        head_ref: '',
        base_ref: '',
        event_name: 'push',
        ref_type: 'branch',
        ref_protected: 'true',
        job_workflow_ref: `${repository}/.github/workflows/quality.yml@${ref}`,
        run_id: '8811223344',
        run_number: '57',
        run_attempt: '1',
        runner_environment: 'github-hosted',
        iss: issuer,
        ...timesNow(),
        ...overrides,
      };
    },
    gitlabClaims(overrides = {}) {
      const projectPath = 'harbor-labs/tide-service';
      const ref = typeof overrides.ref === 'string' ? overrides.ref : 'main';
      return {
        namespace_id: '4412',
        namespace_path: 'harbor-labs',
        project_id: '88231',
        project_path: projectPath,
        user_id: '1077',
        user_login: 'mira.ops',
        pipeline_id: '1290331',
        pipeline_source: 'push',
        job_id: '7720014',
        ref,
        ref_type: 'branch',
        ref_path: `refs/heads/${ref}`,
        ref_protected: 'true',
        environment: 'staging',
        environment_protected: 'false',
        deployment_tier: 'staging',
        // GitLab's runner_id is a number, unlike its other ids.
        runner_id: 31,
        runner_environment: 'self-hosted',
        sha: '0b7e4d2c9a1f83e6d5c4b3a29180f7e6d5c4b3a2',
        project_visibility: 'private',
        ci_config_ref_uri: `${host}/${projectPath}//.gitlab-ci.yml@refs/heads/${ref}`,
        ci_config_sha: '0b7e4d2c9a1f83e6d5c4b3a29180f7e6d5c4b3a2',
        jti: randomUUID(),
        iss: issuer,
        ...timesNow(),
        sub: `project_path:${projectPath}:ref_type:branch:ref:${ref}`,
        aud: audience,
        ...overrides,
      };
    },
    signNone(claims) {
      const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
      return `${encode({ alg: 'none', typ: 'JWT', kid: key.kid })}.${encode(claims)}.`;
    },
    async signHs256WithPublicKey(claims) {
      const secret = new TextEncoder().encode(await exportSPKI(key.publicKey));
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid })
        .sign(secret);
    },
    setDiscovery(overrides) {
      discoveryOverrides = { ...overrides };
    },
    setJwks(body) {
      jwksOverride = body;
    },
    setAnswerDelay(ms) {
      delayMs = ms;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
