// Names (of tokens, organizations, projects and users) are shown to people who decide by
// reading them, so a name must read as it is stored. Refused anywhere in a name:
// - Cc: C0 and C1 controls (U+0000–U+001F, U+007F–U+009F);
// - Cf: invisible formatting characters, among them zero-width spaces and joiners
//   (U+200B–U+200D, U+FEFF), bidirectional marks, embeddings, overrides and isolates
//   (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the soft hyphen (U+00AD), any of
//   which lets `ci-back\u200bend` pass for `ci-backend` or reorder what a reader sees;
// - Cs: lone UTF-16 surrogates, which are not text at all (with the `u` flag a paired
//   surrogate is one code point of another category, so only unpaired halves match).
// - Default_Ignorable_Code_Point: characters that fonts draw as nothing although they are
//   in no category above (U+034F combining grapheme joiner, U+115F and U+3164 Hangul
//   fillers, variation selectors), so that `ci-back\u034fend` and a name of one U+3164
//   are refused too;
// - U+2028 and U+2029, line and paragraph separators, which break a name over lines.
// An emoji joined with U+200D (ZWJ) or a tag sequence is refused with them: the price of
// refusing every invisible character rather than guessing which ones are harmless.

// A character class (for a `u`-flag regular expression) of the characters a name refuses.
const nameRefusedClass = '\\p{Cc}\\p{Cf}\\p{Cs}\\p{Default_Ignorable_Code_Point}\\u2028\\u2029';

/** Maximum length of a name, in characters. */
export const nameMaxLength = 100;

/**
 * A name pattern: only allowed characters, at least one of them not white space. It needs
 * the `u` flag: ajv (the app's validator) compiles every pattern with it, but TypeBox's own
 * checkers (TypeCompiler, Value.Check) do not, and without it `\p{Cf}` reads as the letters
 * `p{Cf}`; check a name with ajv or `new RegExp(namePattern, 'u')`, never with those.
 * Leading white space, then the first other character, then the rest: each character can
 * match at one place only, so checking is linear in the length, with no backtracking.
 */
export const namePattern = `^[^\\S${nameRefusedClass}]*[^\\s${nameRefusedClass}][^${nameRefusedClass}]*$`;
