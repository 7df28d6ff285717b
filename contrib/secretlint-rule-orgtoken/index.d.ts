import type { SecretLintRuleCreator } from '@secretlint/types';

/** An orgtoken token's kind, named by its prefix: `oto_`, `otu_` or `ote_`. */
export type TokenKind = 'organization' | 'personal' | 'ephemeral';

/** A token found in a text: its kind and range (`start` inclusive, `end` exclusive). */
export interface FoundToken {
  kind: TokenKind;
  start: number;
  end: number;
}

/** orgtoken's documented detection regex, with the `g` flag (use it with `matchAll`). */
export declare const tokenPattern: RegExp;

/** The 6 base62 checksum digits of a token's first 34 characters. */
export declare function checksum(body: string): string;

/** The kind of a well-formed token with a valid checksum, or null for anything else. */
export declare function tokenKind(candidate: string): TokenKind | null;

/** Every orgtoken token with a valid checksum in `text`, in order. */
export declare function findTokens(text: string): FoundToken[];

/** The rule's messages, one id per kind. */
export declare const messages: Record<
  'OrganizationToken' | 'PersonalAccessToken' | 'EphemeralToken',
  { en: (props: { TOKEN: string }) => string }
>;

/** The secretlint rule. */
export declare const creator: SecretLintRuleCreator;
