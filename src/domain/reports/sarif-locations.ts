import type { ReportPath } from './report.js';

/**
 * A run's base URIs (`originalUriBaseIds`, SARIF §3.14.14): each id's own uri and the base it
 * is relative to, if any; and the absolute ones by length, to strip from absolute locations.
 */
export interface UriBases {
  byId: Map<string, { uri: string | null; uriBaseId: string | null }>;
  /** Absolute base URIs, each ending in `/`, grouped by length, longest first. */
  roots: Array<{ length: number; uris: Set<string> }>;
}

const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function isAbsolute(uri: string): boolean {
  return scheme.test(uri) || uri.startsWith('/');
}

function withSlash(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`;
}

// A base relative to a base relative to …: followed this many steps at most, so that a cycle
// in a report ends, and the work per location stays bounded.
const maxHops = 8;
// Absolute bases compared with an absolute location: a real run names one to three (the
// source root, perhaps a home or a build folder); a report naming more is read with these.
const maxRoots = 64;

/** The run's `originalUriBaseIds`; refuses a base that is not an object or has no string uri. */
export function readUriBases(run: Record<string, unknown>, runPath: ReportPath): UriBases {
  const byId: UriBases['byId'] = new Map();
  const path = runPath.at('originalUriBaseIds');
  const declared = path.optionalObject(run.originalUriBaseIds);
  const roots = new Map<number, Set<string>>();
  let rootCount = 0;
  for (const [id, value] of Object.entries(declared ?? {})) {
    const basePath = path.at(id);
    const base = basePath.object(value);
    const uri = basePath.at('uri').optionalString(base.uri);
    const uriBaseId = basePath.at('uriBaseId').optionalString(base.uriBaseId);
    byId.set(id, { uri, uriBaseId });
    if (uri !== null && uriBaseId === null && isAbsolute(uri) && rootCount < maxRoots) {
      const root = withSlash(uri);
      const sameLength = roots.get(root.length) ?? new Set<string>();
      sameLength.add(root);
      roots.set(root.length, sameLength);
      rootCount++;
    }
  }
  return {
    byId,
    roots: [...roots].sort(([a], [b]) => b - a).map(([length, uris]) => ({ length, uris })),
  };
}

/** Percent-decoded, as a person reads a path; as given when it is not valid percent-encoding. */
function decoded(path: string): string {
  // Without a `%` there is nothing to decode, and decodeURIComponent would copy it anyway.
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The file of a location as the repository names it. A relative uri is relative to its
 * `uriBaseId`: a base that is itself relative to another base is joined to it, up to the top
 * base, so `app.ts` in `%PKG%` (`packages/web/`, in `%SRCROOT%`) is `packages/web/app.ts`. An
 * absolute uri that starts with one of the run's absolute bases loses that base (the longest
 * one): `file:///home/runner/work/repo/src/a.ts` under `%SRCROOT%` =
 * `file:///home/runner/work/repo/` is `src/a.ts`. Anything else is kept as the tool wrote it.
 */
export function repositoryPath(uri: string, uriBaseId: string | null, bases: UriBases): string {
  if (!isAbsolute(uri)) {
    let path = uri;
    let id = uriBaseId;
    for (let hop = 0; id !== null && hop < maxHops; hop++) {
      const base = bases.byId.get(id);
      if (!base?.uri || isAbsolute(base.uri)) break;
      path = withSlash(base.uri) + path;
      id = base.uriBaseId;
    }
    return decoded(path);
  }
  for (const { length, uris } of bases.roots) {
    if (uri.length > length && uris.has(uri.slice(0, length))) return decoded(uri.slice(length));
  }
  return uri;
}
