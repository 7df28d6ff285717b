import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NewUser, User } from '../contract/users.js';
import type { RequestMeta } from '../domain/actors.js';
import { AppError } from '../domain/errors.js';
import { violatedConstraint } from '../store/errors.js';
import { countUsers } from '../store/users.js';
import type { ServiceDeps } from './context.js';
import { insertNewUser } from './users.js';

/**
 * First-run state. With no user in the store and no admin configured, the server prints a
 * one-time setup link; its code creates the first instance admin, once.
 */
export class FirstRunSetup {
  private codeDigest: Buffer | null = null;

  constructor(private readonly deps: Pick<ServiceDeps, 'store' | 'clock' | 'passwords'>) {}

  /**
   * Run at start: creates the configured admin when the store has no user, or, with no admin
   * configured and no user, returns a fresh setup code to print. Returns null otherwise.
   */
  async start(admin: { email: string; password: string } | null): Promise<string | null> {
    if ((await countUsers(this.deps.store.db)) > 0) return null;
    if (admin) {
      try {
        await this.createAdmin(
          { email: admin.email, name: 'Administrator', password: admin.password },
          'ORGTOKEN_ADMIN_EMAIL',
          { ip: null, userAgent: null },
        );
      } catch (error) {
        // Several instances starting at once on one database: another one created it.
        if (violatedConstraint(error) !== 'uq_users_email') throw error;
      }
      return null;
    }
    const code = randomBytes(24).toString('base64url');
    this.codeDigest = sha256(code);
    return code;
  }

  /** True while the store has no user and a setup code is outstanding. */
  async pending(): Promise<boolean> {
    return this.codeDigest !== null && (await countUsers(this.deps.store.db)) === 0;
  }

  /** Creates the first instance admin with the printed code; the code works once. */
  async complete(
    code: string,
    input: Omit<NewUser, 'instanceAdmin'>,
    meta: RequestMeta = { ip: null, userAgent: null },
  ): Promise<User> {
    const expected = this.codeDigest;
    if (!expected || !timingSafeEqual(expected, sha256(code))) {
      throw new AppError('FORBIDDEN', 'The setup code is not valid.');
    }
    // Spent before any await, so two requests racing with the same code cannot both pass.
    this.codeDigest = null;
    if ((await countUsers(this.deps.store.db)) > 0) {
      throw new AppError('CONFLICT', 'Setup is already complete.');
    }
    return this.createAdmin(input, 'first-run setup', meta);
  }

  /**
   * The first admin is audited like any other user (user.created, then
   * user.instance_admin_granted), by the server itself: no person is signed in yet.
   */
  private createAdmin(
    input: Omit<NewUser, 'instanceAdmin'>,
    how: string,
    meta: RequestMeta,
  ): Promise<User> {
    return insertNewUser(
      this.deps,
      { ...input, instanceAdmin: true },
      { actor: { type: 'system', id: null, name: how }, meta },
    );
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
