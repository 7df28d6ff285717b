/** The sign-in address that comes back to `path` afterwards. */
export function signInPath(path: string): string {
  // Already on the way to sign-in (several requests failed at once): keep that way.
  if (path === '/signin' || path.startsWith('/signin?')) return path;
  return path === '/' ? '/signin' : `/signin?next=${encodeURIComponent(path)}`;
}

const here = 'https://orgtoken.invalid';

/**
 * Where to go after sign-in: only a path of this site. `//host`, `/\host` and paths with
 * control characters (browsers drop tabs and newlines, turning `/\t/host` into `//host`)
 * could leave it, so they, and anything not starting with one `/`, go home instead.
 */
export function safeNext(next: string | null): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (!next?.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, here);
  } catch {
    // `//` or `//[x`: an authority with no valid host; sign-in must not fail on it.
    return '/';
  }
  if (url.origin !== here) return '/';
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Normalizing can itself make a protocol-relative address: `/..//evil.example` and
  // `/%2e%2e//evil.example` resolve to the path `//evil.example`, which a browser reads as
  // the host evil.example. What comes out is checked, not only what went in.
  return /^\/[^/\\]/.test(path) || path === '/' ? path : '/';
}
