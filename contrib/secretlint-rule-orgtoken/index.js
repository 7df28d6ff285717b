/**
 * A secretlint rule that reports orgtoken secrets: organization tokens (`oto_`), personal access
 * tokens (`otu_`) and ephemeral tokens (`ote_`).
 *
 * The token format is `<prefix>_<30 random base62><6 base62 of CRC32>`, 40 characters. The
 * rule finds candidates with orgtoken's documented detection regex and reports only those whose
 * checksum is valid, so a placeholder, a truncated copy or a made-up lookalike is not reported.
 *
 * The checksum code is a copy of the server's (src/domain/token-format.ts) rather than an
 * import, so the package has no dependency and runs wherever secretlint runs;
 * test/contrib/secretlint-rule.test.ts checks the two agree on thousands of tokens.
 */

/** @typedef {'organization' | 'personal' | 'ephemeral'} TokenKind */
/** @typedef {{ kind: TokenKind, start: number, end: number }} FoundToken */

/**
 * orgtoken's documented detection regex (docs/security.md), global for scanning. It has no
 * nested or open-ended quantifier, so a failed match costs at most 40 steps from each start
 * position and a scan is linear in the text.
 */
export const tokenPattern = /\bot[oue]_[0-9A-Za-z]{36}\b/g;

const tokenLength = 40;
const checksumLength = 6;
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** @type {Record<string, TokenKind>} */
const kindOfThirdLetter = { o: 'organization', u: 'personal', e: 'ephemeral' };

// Each base62 character's digit value (-1 for anything else), and the CRC32 (IEEE) table.
const digitValues = new Int8Array(128).fill(-1);
for (let i = 0; i < alphabet.length; i += 1) digitValues[alphabet.charCodeAt(i)] = i;
const crcTable = new Int32Array(256);
for (let n = 0; n < 256; n += 1) {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  crcTable[n] = c;
}

/**
 * CRC32 (IEEE, as zlib computes it) of an ASCII string, as an unsigned 32-bit number. Every
 * character of a token is ASCII, so one byte per character is the string's UTF-8 encoding.
 * @param {string} text
 * @returns {number}
 */
function crc32Ascii(text) {
  let crc = ~0;
  for (let i = 0; i < text.length; i += 1) {
    crc = crcTable[(crc ^ text.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
  }
  return ~crc >>> 0;
}

/**
 * The 6 base62 checksum digits of a token's first 34 characters, most significant first.
 * @param {string} body the prefix, the underscore and the 30 random characters
 * @returns {string}
 */
export function checksum(body) {
  let value = crc32Ascii(body);
  let digits = '';
  for (let i = 0; i < checksumLength; i += 1) {
    digits = alphabet[value % 62] + digits;
    value = Math.floor(value / 62);
  }
  return digits;
}

/**
 * The kind of a well-formed token with a valid checksum, or null for anything else.
 * @param {string} candidate
 * @returns {TokenKind | null}
 */
export function tokenKind(candidate) {
  if (candidate.length !== tokenLength || !candidate.startsWith('ot') || candidate[3] !== '_') {
    return null;
  }
  const kind = kindOfThirdLetter[candidate[2]] ?? null;
  if (kind === null) return null;
  for (let i = 4; i < tokenLength; i += 1) {
    const code = candidate.charCodeAt(i);
    if (code > 127 || digitValues[code] < 0) return null;
  }
  const body = candidate.slice(0, tokenLength - checksumLength);
  return candidate.slice(tokenLength - checksumLength) === checksum(body) ? kind : null;
}

/**
 * Every orgtoken token with a valid checksum in `text`, in order, with its range
 * (`start` inclusive, `end` exclusive).
 * @param {string} text
 * @returns {FoundToken[]}
 */
export function findTokens(text) {
  /** @type {FoundToken[]} */
  const found = [];
  for (const match of text.matchAll(tokenPattern)) {
    const kind = tokenKind(match[0]);
    if (kind !== null) found.push({ kind, start: match.index, end: match.index + tokenLength });
  }
  return found;
}

/**
 * One message id per kind, so a project can allow one kind (`allowMessageIds`) and not the
 * others. The token is message data, which secretlint masks in its output by default.
 */
export const messages = {
  OrganizationToken: {
    en: (/** @type {{ TOKEN: string }} */ props) =>
      `found an orgtoken organization token: ${props.TOKEN}`,
  },
  PersonalAccessToken: {
    en: (/** @type {{ TOKEN: string }} */ props) =>
      `found an orgtoken personal access token: ${props.TOKEN}`,
  },
  EphemeralToken: {
    en: (/** @type {{ TOKEN: string }} */ props) =>
      `found an orgtoken ephemeral token: ${props.TOKEN}`,
  },
};

/** @type {Record<TokenKind, keyof typeof messages>} */
const messageIdOfKind = {
  organization: 'OrganizationToken',
  personal: 'PersonalAccessToken',
  ephemeral: 'EphemeralToken',
};

/** @type {import('@secretlint/types').SecretLintRuleCreator} */
export const creator = {
  messages,
  meta: {
    id: '@orgtoken/secretlint-rule-orgtoken',
    recommended: true,
    type: 'scanner',
    supportedContentTypes: ['text'],
  },
  create(context) {
    const t = context.createTranslator(messages);
    return {
      file(source) {
        const text = source.content;
        for (const { kind, start, end } of findTokens(text)) {
          context.report({
            message: t(messageIdOfKind[kind], { TOKEN: text.slice(start, end) }),
            range: [start, end],
          });
        }
      },
    };
  },
};
