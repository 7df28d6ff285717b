import { Link, NavLink, Outlet } from 'react-router';
import { useOrg } from './OrgLayout.js';

/** Administration: only for org admins; anyone else gets a page that says so. */
export function AdminLayout() {
  const context = useOrg();
  const { org, isAdmin } = context;
  const base = `/orgs/${encodeURIComponent(org.key)}`;
  if (!isAdmin) {
    return (
      <section className="denied">
        <h1>Administration is for organization admins</h1>
        <p>
          You are a member of {org.name}, but only its admins can manage tokens, members, the token
          policy and the audit log. Ask an admin of {org.name} if you need access.
        </p>
        <p>
          <Link to={`${base}/projects`}>Back to the projects of {org.name}</Link>
        </p>
      </section>
    );
  }
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
