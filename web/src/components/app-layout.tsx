import { Suspense, useEffect, useRef } from 'react';
import { Button } from 'react-aria-components';
import { NavLink, Outlet, useLocation, useMatch, useNavigate } from 'react-router';
import { api, everyPage } from '../api/client.js';
import type { Organization } from '../api/types.js';
import { type Loaded, useLoad } from '../hooks/use-load.js';
import { useSession, useUser } from '../session.js';
import { Loading } from './feedback.js';
import { Choice } from './fields.js';

/** What the frame shares with the pages under it: the organizations it loaded once. */
export interface OrgsContext {
  orgs: Loaded<Organization[]>;
}

/** Whether the signed-in user administers `org` (org admins and instance admins do). */
export function administers(org: Pick<Organization, 'role'>, instanceAdmin: boolean): boolean {
  return org.role === 'admin' || instanceAdmin;
}

function OrgSwitcher({ orgs, current }: { orgs: Organization[]; current: string | undefined }) {
  const navigate = useNavigate();
  if (orgs.length === 0) return null;
  return (
    <Choice
      label="Organization"
      hideLabel
      className="org-switcher"
      placeholder="Choose an organization"
      choices={orgs.map((org) => [org.key, org.name] as const)}
      value={current ?? null}
      onChange={(key) => navigate(`/orgs/${encodeURIComponent(key)}/projects`)}
    />
  );
}

/** The frame of every signed-in page: skip link, organization switcher, navigation, account. */
export function AppLayout() {
  const user = useUser();
  const { setSession } = useSession();
  const navigate = useNavigate();
  const match = useMatch('/orgs/:org/*');
  const orgKey = match?.params.org;
  const orgs = useLoad(() => everyPage(api.orgs), []);
  const current = orgs.data?.find((org) => org.key === orgKey);
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const firstPage = useRef(true);
  // A new page inside the app moves the focus to its content, as a page load would, so
  // keyboard and screen-reader users start there instead of on the link they followed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every change of page
  useEffect(() => {
    if (firstPage.current) {
      firstPage.current = false;
      return;
    }
    main.current?.focus({ preventScroll: false });
  }, [pathname]);

  async function signOut() {
    await api.signOut().catch(() => undefined);
    setSession(null);
    navigate('/signin', { replace: true });
  }

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <NavLink to="/" className="brand">
          orgtoken
        </NavLink>
        <OrgSwitcher orgs={orgs.data ?? []} current={orgKey} />
        <nav aria-label="Main" className="main-nav">
          {orgKey && (
            <>
              <NavLink to={`/orgs/${encodeURIComponent(orgKey)}/projects`}>Projects</NavLink>
              {current && administers(current, user.instanceAdmin) && (
                <NavLink to={`/orgs/${encodeURIComponent(orgKey)}/admin`}>Administration</NavLink>
              )}
            </>
          )}
          {user.instanceAdmin && <NavLink to="/admin/users">Users</NavLink>}
          {user.instanceAdmin && <NavLink to="/admin/audit">Instance audit log</NavLink>}
        </nav>
        <div className="account">
          <NavLink to="/account/tokens">My account</NavLink>
          <span className="muted">
            <span className="visually-hidden">Signed in as </span>
            {user.name}
          </span>
          <Button className="button button-quiet" onPress={signOut}>
            Sign out
          </Button>
        </div>
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        <Suspense fallback={<Loading what="the page" />}>
          <Outlet context={{ orgs } satisfies OrgsContext} />
        </Suspense>
      </main>
    </>
  );
}
