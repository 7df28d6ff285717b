import type { Command } from 'commander';
import type { Me } from '../../contract/session.js';
import { tokenClient } from '../client.js';
import { serverUrl } from '../environment.js';
import { run } from '../errors.js';
import { credentialFromEnvironment, tokenFor } from '../oidc.js';
import { formatFields, formatScope, formatTime, printJson, printLines } from '../output.js';
import { type CommonOptions, withCommonOptions } from './common-options.js';

interface WhoamiOptions extends CommonOptions {
  org?: string;
}

/** How long whoami waits for the exchange and the call, retries included. */
const timeoutMs = 60_000;

function describeUser(me: Me): [string, string][] {
  return [
    ['user', `${me.name} <${me.email ?? ''}>`],
    ['id', me.id],
    ['instance admin', me.instanceAdmin ? 'yes' : 'no'],
    ['authenticated by', (me.authenticatedBy ?? '').replaceAll('_', ' ')],
  ];
}

function describeOrgToken(me: Me): [string, string][] {
  return [
    [me.type === 'ephemeral_token' ? 'ephemeral token' : 'organization token', me.name],
    ['id', me.id],
    ['organization', me.organization?.key ?? ''],
    ['permissions', (me.permissions ?? []).join(', ')],
    ['projects', me.projects ? formatScope(me.projects) : ''],
  ];
}

/** The trust policy and CI run an ephemeral token was minted for. */
function describeMint(me: Me): [string, string][] {
  const policy = me.policy;
  const ci = me.run;
  return [
    ['trust policy', policy ? `${policy.name}${policy.id ? ` (${policy.id})` : ' (deleted)'}` : ''],
    ...(ci
      ? ([
          ['issuer', ci.issuer],
          ['subject', ci.subject],
          ['repository', ci.repository ?? ''],
          ['ref', ci.ref ?? ''],
          ['run', ci.runId ?? ''],
        ] as [string, string][])
      : []),
  ];
}

/** GET /api/v1/me: a person (by personal access token), an organization or an ephemeral token. */
function describe(me: Me): [string, string][] {
  const expires: [string, string] = ['expires', formatTime(me.tokenExpiresAt)];
  if (me.type === 'user') return [...describeUser(me), expires];
  if (me.type === 'ephemeral_token') return [...describeOrgToken(me), ...describeMint(me), expires];
  return [...describeOrgToken(me), expires];
}

export function registerWhoami(program: Command): void {
  withCommonOptions(
    program
      .command('whoami')
      .description('show who the token in ORGTOKEN_TOKEN (or SONAR_TOKEN) authenticates as')
      .option(
        '--org <key>',
        'with no token set: exchange the CI’s identity token under this organization’s trust policies, as analyze does',
      ),
  ).action(
    run(async (options: WhoamiOptions) => {
      const url = serverUrl(options.url);
      const token = await tokenFor(credentialFromEnvironment(), {
        baseUrl: url,
        org: options.org,
        deadline: Date.now() + timeoutMs,
      });
      const me = await tokenClient(url, token).request<Me>('GET', '/api/v1/me');
      if (options.json) printJson(me);
      else printLines(formatFields(describe(me)));
      return 0;
    }),
  );
}
