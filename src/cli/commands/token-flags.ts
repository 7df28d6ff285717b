import { type Command, InvalidArgumentError, Option } from 'commander';
import { permissions } from '../../domain/permissions.js';
import type { ProjectScope } from '../../domain/project-scope.js';

const dayMs = 24 * 3600 * 1000;

/**
 * A flag that may be given several times, each time one value or a comma-separated list.
 * Commas are safe to split on: no permission, project key, pattern or CIDR contains one.
 */
function repeatable(choices?: readonly string[]) {
  return (value: string, previous: string[] | undefined): string[] => {
    const values = value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const unknown = values.find((part) => choices && !choices.includes(part));
    if (unknown !== undefined) {
      throw new InvalidArgumentError(`"${unknown}" is not one of ${choices?.join(', ')}.`);
    }
    return [...(previous ?? []), ...values];
  };
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(`Must be a whole number from ${min} to ${max}.`);
    }
    return number;
  };
}

// Sent as full ISO 8601 UTC, the only form the API takes; `2026-06-30` means its midnight UTC.
function isoTime(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('Not a date or an ISO 8601 date-time.');
  return new Date(ms).toISOString();
}

/** What a token's editable attributes look like as flags. */
export interface AttributeOptions {
  name?: string;
  description?: string;
  permission?: string[];
  allProjects?: boolean;
  project?: string[];
  pattern?: string[];
  allowedCidr?: string[];
}

/**
 * Flags for what create and edit share: name, description, permissions, scope, allowlist.
 * Create needs a name and a permission; edit changes only what is given.
 */
export function withAttributeFlags(command: Command, { create }: { create: boolean }): Command {
  const name = new Option('--name <name>', 'token name, unique among the organization’s tokens');
  const permission = new Option(
    '--permission <permission>',
    `a permission (repeatable): ${permissions.join(', ')}`,
  ).argParser(repeatable(permissions));
  return command
    .addOption(create ? name.makeOptionMandatory() : name)
    .option('--description <text>', 'what the token is for')
    .addOption(create ? permission.makeOptionMandatory() : permission)
    .addOption(
      new Option('--all-projects', 'every current and future project').conflicts([
        'project',
        'pattern',
      ]),
    )
    .addOption(new Option('--project <key>', 'a project key (repeatable)').argParser(repeatable()))
    .addOption(
      new Option(
        '--pattern <glob>',
        'a project key pattern, `*` for any run (repeatable)',
      ).argParser(repeatable()),
    )
    .addOption(
      new Option(
        '--allowed-cidr <cidr>',
        'an address range it may be used from (repeatable)',
      ).argParser(repeatable()),
    );
}

/** The scope the flags name; undefined when they name none. They replace a scope whole. */
export function scopeFrom(options: AttributeOptions): ProjectScope | undefined {
  if (options.allProjects) return { mode: 'all' };
  if (!options.project && !options.pattern) return undefined;
  return { mode: 'selected', keys: options.project ?? [], patterns: options.pattern ?? [] };
}

/** The request body fields the attribute flags set; only the flags given. */
export function attributesFrom(options: AttributeOptions): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    name: options.name,
    description: options.description,
    permissions: options.permission,
    projects: scopeFrom(options),
    allowedCidrs: options.allowedCidr,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

export interface ExpiryOptions {
  expiresInDays?: number;
  expiresAt?: string;
  /** False with `--no-expiry`. */
  expiry: boolean;
}

/** `--expires-in-days`, `--expires-at` and `--no-expiry`, one at most. */
export function withExpiryFlags(command: Command, defaultDays?: number): Command {
  const inDays = new Option('--expires-in-days <days>', 'expires this many days from now')
    .argParser(integer(1, 36500))
    .conflicts(['expiresAt', 'expiry']);
  return command
    .addOption(defaultDays === undefined ? inDays : inDays.default(defaultDays))
    .addOption(
      new Option('--expires-at <time>', 'expires at this ISO 8601 date or date-time')
        .argParser(isoTime)
        .conflicts('expiry'),
    )
    .addOption(new Option('--no-expiry', 'never expires (not recommended)'));
}

/**
 * The `expiresAt` the flags ask for: null for no expiry, undefined when none was given.
 * A day count gets a minute of slack, so that `--expires-in-days 1` is still a day ahead
 * when the server checks it a moment later.
 */
export function expiryFrom(options: ExpiryOptions, now = Date.now()): string | null | undefined {
  if (!options.expiry) return null;
  if (options.expiresAt !== undefined) return options.expiresAt;
  if (options.expiresInDays === undefined) return undefined;
  return new Date(now + options.expiresInDays * dayMs + 60_000).toISOString();
}

/** Up to a day, or up to 7 days with --grace-until-first-use (the server checks which). */
export const gracePeriodSeconds = integer(0, 604800);

/** --expiring [days]: within this many days, 30 when the flag comes alone. */
export const expiringDays = integer(1, 3650);
