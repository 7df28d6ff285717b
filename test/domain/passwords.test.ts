import { describe, expect, it } from 'vitest';
import { PasswordHasher } from '../../src/domain/passwords.js';
import { testScryptParams } from '../helpers/app.js';

describe('password hashing', () => {
  const hasher = new PasswordHasher(testScryptParams);

  it('verifies the right password and refuses a wrong one', async () => {
    const encoded = await hasher.hash('correct horse battery staple');
    await expect(hasher.verify(encoded, 'correct horse battery staple')).resolves.toBe(true);
    await expect(hasher.verify(encoded, 'correct horse battery stapler')).resolves.toBe(false);
  });

  it('salts every hash and stores its parameters beside it', async () => {
    const a = await hasher.hash('same password here');
    const b = await hasher.hash('same password here');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
  });

  it('verifies with the parameters stored in the hash, so they can be raised later', async () => {
    const old = await new PasswordHasher({ N: 2 ** 9, r: 8, p: 1 }).hash('an older password');
    await expect(hasher.verify(old, 'an older password')).resolves.toBe(true);
  });

  it('refuses a malformed stored hash instead of throwing', async () => {
    for (const encoded of ['', 'bcrypt$x', 'scrypt$1024$8$1$', 'scrypt$$$$$']) {
      await expect(hasher.verify(encoded, 'anything at all')).resolves.toBe(false);
    }
  });

  it('spends exactly one derivation with the current parameters on a decoy check', async () => {
    const before = hasher.derivations;
    await expect(hasher.verifyDecoy('anything at all')).resolves.toBe(false);
    expect(hasher.derivations - before).toBe(1);
  });
});
