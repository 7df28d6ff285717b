import { describe, expect, it } from 'vitest';
import { expiringWindowMs, tokenStatus } from '../../src/domain/token-status.js';

const now = new Date('2026-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(now.getTime() + ms).toISOString();

describe('tokenStatus', () => {
  it('applies revoked > expired > suspended > expiring > active', () => {
    const cases: Array<[Parameters<typeof tokenStatus>[0], string]> = [
      [{ revokedAt: at(-1), expiresAt: at(-1), suspended: true }, 'revoked'],
      [{ revokedAt: null, expiresAt: at(-1), suspended: true }, 'expired'],
      [{ revokedAt: null, expiresAt: at(0), suspended: true }, 'expired'],
      [{ revokedAt: null, expiresAt: at(1), suspended: true }, 'suspended'],
      [{ revokedAt: null, expiresAt: null, suspended: true }, 'suspended'],
      [{ revokedAt: null, expiresAt: at(expiringWindowMs), suspended: false }, 'expiring'],
      [{ revokedAt: null, expiresAt: at(expiringWindowMs + 1) }, 'active'],
      [{ revokedAt: null, expiresAt: null }, 'active'],
    ];
    for (const [token, status] of cases) expect(tokenStatus(token, now), status).toBe(status);
  });
});
