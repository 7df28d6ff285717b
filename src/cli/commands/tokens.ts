import { type Command, Option } from 'commander';
import type { Organization } from '../../contract/orgs.js';
import type { OrgToken } from '../../contract/tokens.js';
import { tokenStatuses } from '../../domain/token-status.js';
import { type ApiClient, withSession } from '../client.js';
import { serverUrl, sessionCredentials } from '../environment.js';
import { CliError, run } from '../errors.js';
import { formatTime, printJson, printLines } from '../output.js';
import { type CommonOptions, withCommonOptions } from './common-options.js';
import {
  type AttributeOptions,
  attributesFrom,
  type ExpiryOptions,
  expiringDays,
  expiryFrom,
  gracePeriodSeconds,
  scopeFrom,
  withAttributeFlags,
  withExpiryFlags,
} from './token-flags.js';
import { tokenDetails, tokenTable } from './token-view.js';

interface OrgOptions extends CommonOptions {
  org: string;
}

type WithSecret = OrgToken & { token: string };

// The API's largest page: a listing makes as few round trips as it can.
const pageLimit = '200';

function tokensPath(org: string, tokenId?: string): string {
  const base = `/api/v1/orgs/${encodeURIComponent(org)}/tokens`;
  return tokenId === undefined ? base : `${base}/${encodeURIComponent(tokenId)}`;
}

function tokenCommand(parent: Command, usage: string, description: string): Command {
  return withCommonOptions(
    parent
      .command(usage)
      .description(description)
      .requiredOption('--org <key>', 'organization key'),
  );
}

/**
 * Runs `use` signed in as a person. The server refuses token management to every token,
 * personal or organizational, so that a leaked token can never mint or widen another.
 */
async function asPerson<T>(options: OrgOptions, use: (client: ApiClient) => Promise<T>) {
  const url = serverUrl(options.url);
  return withSession(url, await sessionCredentials(), use);
}

function printToken(token: OrgToken, options: CommonOptions): void {
  if (options.json) printJson(token);
  else printLines(tokenDetails(token));
}

/**
 * The secret goes to stdout alone (or inside the JSON), so `$(orgtoken tokens create ...)`
 * captures exactly it; everything said to the person goes to stderr.
 */
function printSecret(created: WithSecret, done: string, options: CommonOptions): void {
  if (options.json) printJson(created);
  else {
    console.error(
      `${done} organization token "${created.name}" (${created.id}), expires ${formatTime(created.expiresAt)}. Its secret:`,
    );
    printLines(created.token);
  }
  console.error('Store it securely: it will not be shown again.');
}

/**
 * A suspended token is refused until its organization's plan includes organization tokens
 * again; stderr says which plan that is, as the server's PLAN_REQUIRED message names it.
 */
async function noteSuspension(client: ApiClient, org: string, tokens: OrgToken[]): Promise<void> {
  if (!tokens.some((token) => token.status === 'suspended')) return;
  const organization = await client.request<Organization>(
    'GET',
    `/api/v1/orgs/${encodeURIComponent(org)}`,
  );
  console.error(
    `orgtoken: suspended tokens are refused while the organization is on the ${organization.plan} plan: ${organization.features.organizationTokens.message}`,
  );
}

async function listAll(
  client: ApiClient,
  path: string,
  query: Record<string, string | undefined>,
): Promise<OrgToken[]> {
  const tokens: OrgToken[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.request<{ items: OrgToken[]; nextCursor: string | null }>(
      'GET',
      path,
      { query: { ...query, limit: pageLimit, cursor } },
    );
    tokens.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return tokens;
}

/** `orgtoken tokens list|create|show|edit|rotate|revoke`, signed in with a session. */
export function registerTokenCommands(program: Command): void {
  const tokens = program
    .command('tokens')
    .description('manage organization tokens, signed in as ORGTOKEN_EMAIL / ORGTOKEN_PASSWORD');

  tokenCommand(tokens, 'list', 'list the organization tokens, newest first')
    .addOption(new Option('--status <status>', 'only tokens in this status').choices(tokenStatuses))
    .option('--search <text>', 'only tokens whose name contains this')
    .option('--stale', "only tokens unused for the organization's stale period")
    .addOption(
      new Option('--expiring [days]', 'only live tokens that expire within this many days')
        .argParser(expiringDays)
        .preset(30),
    )
    .action(
      run(
        async (
          options: OrgOptions & {
            status?: string;
            search?: string;
            stale?: boolean;
            expiring?: number;
          },
        ) => {
          const query = {
            status: options.status,
            q: options.search,
            stale: options.stale ? 'true' : undefined,
            expiringWithinDays:
              options.expiring === undefined ? undefined : String(options.expiring),
          };
          const found = await asPerson(options, async (client) => {
            const found = await listAll(client, tokensPath(options.org), query);
            await noteSuspension(client, options.org, found);
            return found;
          });
          if (options.json) printJson(found);
          else printLines(found.length === 0 ? 'No organization tokens.' : tokenTable(found));
          return 0;
        },
      ),
    );

  const create = tokenCommand(tokens, 'create', 'create an organization token; prints its secret');
  withExpiryFlags(withAttributeFlags(create, { create: true }), 90).action(
    run(async (options: OrgOptions & AttributeOptions & ExpiryOptions) => {
      const projects = scopeFrom(options);
      if (!projects) {
        throw new CliError('choose the project scope: --all-projects, or --project / --pattern');
      }
      const expiresAt = expiryFrom(options) ?? null;
      if (expiresAt === null)
        console.error('orgtoken: warning: a token without expiry is not recommended.');
      const body = { ...attributesFrom(options), projects, expiresAt };
      const created = await asPerson(options, (client) =>
        client.request<WithSecret>('POST', tokensPath(options.org), { json: body }),
      );
      printSecret(created, 'Created', options);
      return 0;
    }),
  );

  tokenCommand(tokens, 'show <tokenId>', 'show one organization token').action(
    run(async (tokenId: string, options: OrgOptions) => {
      const token = await asPerson(options, async (client) => {
        const token = await client.request<OrgToken>('GET', tokensPath(options.org, tokenId));
        await noteSuspension(client, options.org, [token]);
        return token;
      });
      printToken(token, options);
      return 0;
    }),
  );

  const edit = tokenCommand(
    tokens,
    'edit <tokenId>',
    'change name, description, permissions, project scope or allowed CIDRs (never the expiry)',
  );
  withAttributeFlags(edit, { create: false }).action(
    run(async (tokenId: string, options: OrgOptions & AttributeOptions) => {
      const changes = attributesFrom(options);
      if (Object.keys(changes).length === 0) {
        throw new CliError('nothing to change: see `orgtoken tokens edit --help` for the flags');
      }
      const token = await asPerson(options, (client) =>
        client.request<OrgToken>('PATCH', tokensPath(options.org, tokenId), { json: changes }),
      );
      printToken(token, options);
      return 0;
    }),
  );

  const rotate = tokenCommand(
    tokens,
    'rotate <tokenId>',
    'replace the secret; without an expiry flag the token keeps its lifetime, counted from now',
  )
    .addOption(
      new Option(
        '--grace-period-seconds <seconds>',
        'how long the previous secret stays valid (0 to 86400, default 0; up to 604800 with --grace-until-first-use, default 86400 then)',
      ).argParser(gracePeriodSeconds),
    )
    .option(
      '--grace-until-first-use',
      'keep the previous secret valid until the new one is first used (or the grace period ends)',
    );
  withExpiryFlags(rotate).action(
    run(
      async (
        tokenId: string,
        options: OrgOptions &
          ExpiryOptions & { gracePeriodSeconds?: number; graceUntilFirstUse?: boolean },
      ) => {
        const body = {
          expiresAt: expiryFrom(options),
          gracePeriodSeconds: options.gracePeriodSeconds,
          graceUntilFirstUse: options.graceUntilFirstUse,
        };
        const rotated = await asPerson(options, (client) =>
          client.request<WithSecret>('POST', `${tokensPath(options.org, tokenId)}/rotate`, {
            json: body,
          }),
        );
        printSecret(rotated, 'Rotated', options);
        return 0;
      },
    ),
  );

  tokenCommand(tokens, 'revoke <tokenId>', 'revoke: refused from the next request on').action(
    run(async (tokenId: string, options: OrgOptions) => {
      const token = await asPerson(options, (client) =>
        client.request<OrgToken>('DELETE', tokensPath(options.org, tokenId)),
      );
      printToken(token, options);
      return 0;
    }),
  );
}
