import type { Command } from 'commander';
import type { Me } from '../../contract/session.js';
import { tokenClient } from '../client.js';
import { serverUrl, tokenFromEnvironment } from '../environment.js';
import { run } from '../errors.js';
import { formatFields, formatScope, formatTime, printJson, printLines } from '../output.js';
import { type CommonOptions, withCommonOptions } from './common-options.js';

/** GET /api/v1/me: a person (by personal access token) or an organization token. */
function describe(me: Me): [string, string][] {
  const expires: [string, string] = ['expires', formatTime(me.tokenExpiresAt)];
  if (me.type === 'user') {
    return [
      ['user', `${me.name} <${me.email ?? ''}>`],
      ['id', me.id],
      ['instance admin', me.instanceAdmin ? 'yes' : 'no'],
      ['authenticated by', (me.authenticatedBy ?? '').replaceAll('_', ' ')],
      expires,
    ];
  }
  return [
    ['organization token', me.name],
    ['id', me.id],
    ['organization', me.organization?.key ?? ''],
    ['permissions', (me.permissions ?? []).join(', ')],
    ['projects', me.projects ? formatScope(me.projects) : ''],
    expires,
  ];
}

export function registerWhoami(program: Command): void {
  withCommonOptions(
    program
      .command('whoami')
      .description('show who the token in ORGTOKEN_TOKEN (or SONAR_TOKEN) authenticates as'),
  ).action(
    run(async (options: CommonOptions) => {
      const client = tokenClient(serverUrl(options.url), tokenFromEnvironment());
      const me = await client.request<Me>('GET', '/api/v1/me');
      if (options.json) printJson(me);
      else printLines(formatFields(describe(me)));
      return 0;
    }),
  );
}
