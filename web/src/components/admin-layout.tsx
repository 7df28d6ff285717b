import { Link, NavLink, Outlet } from 'react-router';
import { usePageTitle } from '../hooks/use-page-title.js';
import { useOrg } from './org-layout.js';

function NotAnAdmin({ name, projects }: { name: string; projects: string }) {
  usePageTitle(`Administration · ${name}`);
  return (
    <section className="denied">
      <h1>Administration is for organization admins</h1>
      <p>
        You are a member of {name}, but only its admins can manage tokens, members, the token policy
        and the audit log. Ask an admin of {name} if you need access.
      </p>
      <p>
        <Link to={projects}>Back to the projects of {name}</Link>
      </p>
    </section>
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
      <nav aria-label="Administration" className="sub-nav">
        <h2 className="sub-nav-title">Administration</h2>
        <NavLink to={`${base}/admin/tokens`}>Scoped Organization Tokens</NavLink>
        <NavLink to={`${base}/admin/members`}>Members</NavLink>
        <NavLink to={`${base}/admin/policy`}>Token policy</NavLink>
        <NavLink to={`${base}/admin/audit`}>Audit log</NavLink>
      </nav>
      <div className="admin-content">
        <Outlet context={context} />
      </div>
    </div>
  );
}
