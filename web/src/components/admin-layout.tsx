import { Suspense, useEffect, useState } from 'react';
import { Button, Disclosure, DisclosurePanel } from 'react-aria-components';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { narrowScreen, useMediaQuery } from '../hooks/use-media-query.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { Loading } from './feedback.js';
import { useOrg } from './org-layout.js';

function NotAnAdmin({ name, projects }: { name: string; projects: string }) {
  usePageTitle(`Administration · ${name}`);
  return (
    <section className="denied">
      <h1>Administration is for organization admins</h1>
      <p>
        You are a member of {name}, but only its admins can manage tokens, members, the token
        policy, notifications, webhooks, secretless CI and the audit log. Ask an admin of {name} if
        you need access.
      </p>
      <p>
        <Link to={projects}>Back to the projects of {name}</Link>
      </p>
    </section>
  );
}

const sections = [
  ['tokens', 'Scoped Organization Tokens'],
  ['members', 'Members'],
  ['policy', 'Token policy'],
  ['notifications', 'Notifications'],
  ['webhooks', 'Webhooks'],
  ['trust-policies', 'Secretless CI'],
  ['audit', 'Audit log'],
] as const;

/**
 * The administration sections: a sidebar on a wide screen; on a narrow one a disclosure
 * button that names the current section and folds the links away once one is followed.
 */
function AdminNav({ base }: { base: string }) {
  const narrow = useMediaQuery(narrowScreen);
  const { pathname } = useLocation();
  const [open, setOpen] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: closes on every change of page
  useEffect(() => setOpen(false), [pathname]);
  const current = sections.find(([path]) => pathname.startsWith(`${base}/admin/${path}`));
  const links = sections.map(([path, label]) => (
    <NavLink key={path} to={`${base}/admin/${path}`}>
      {label}
    </NavLink>
  ));
  if (!narrow) {
    return (
      <nav aria-label="Administration" className="sub-nav">
        <h2 className="sub-nav-title">Administration</h2>
        {links}
      </nav>
    );
  }
  return (
    <nav aria-label="Administration" className="sub-nav sub-nav-narrow">
      <Disclosure isExpanded={open} onExpandedChange={setOpen}>
        <Button slot="trigger" className="button sub-nav-trigger">
          <span>Administration{current && <span className="muted">: {current[1]}</span>}</span>
          <span aria-hidden="true">{open ? '▴' : '▾'}</span>
        </Button>
        <DisclosurePanel className="sub-nav-panel">{links}</DisclosurePanel>
      </Disclosure>
    </nav>
  );
}

/** Administration: only for org admins; anyone else gets a page that says so. */
export function AdminLayout() {
  const context = useOrg();
  const { org, isAdmin } = context;
  const base = `/orgs/${encodeURIComponent(org.key)}`;
  if (!isAdmin) return <NotAnAdmin name={org.name} projects={`${base}/projects`} />;
  return (
    <div className="admin">
      <AdminNav base={base} />
      <div className="admin-content">
        <Suspense fallback={<Loading what="the page" />}>
          <Outlet context={context} />
        </Suspense>
      </div>
    </div>
  );
}
