import { useState } from 'react';

/**
 * A key made from a name: "Acme Corp — Zürich" gives `acme-corp-zurich`. Lowercase letters
 * and digits, every other run of characters one hyphen, none at either end; it fits both the
 * organization key and the project key rules once it is 2 characters or more.
 */
export function keyFromName(name: string, maxLength: number): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
}

/**
 * The key field of a form with a name: it follows the name until the person types a key of
 * their own, and follows it again after `reset()` (once the form has been sent).
 */
export function useDerivedKey(name: string, maxLength: number) {
  const [typed, setTyped] = useState<string | null>(null);
  return {
    key: typed ?? keyFromName(name, maxLength),
    setKey: (key: string) => setTyped(key),
    reset: () => setTyped(null),
  };
}
