import { Link } from 'react-router';
import { instanceAuditActions } from '../../../src/domain/audit-actions.js';
import { api } from '../api/client.js';
import { AuditLog } from '../components/audit-log.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { useUser } from '../session.js';

/**
 * The instance's audit log (instance admins): users created, activated, deactivated, made or
 * no longer instance admins, organizations created and plans changed.
 */
export function InstanceAuditPage() {
  const user = useUser();
  usePageTitle('Instance audit log');
  if (!user.instanceAdmin) {
    return (
      <section className="denied">
        <h1>The instance audit log is for instance admins</h1>
        <p>
          It records user administration, organizations and plans across the whole server. Each
          organization&apos;s admins read their own audit log under its Administration.
        </p>
        <p>
          <Link to="/">Back to your organizations</Link>
        </p>
      </section>
    );
  }
  return (
    <section>
      <h1>Instance audit log</h1>
      <p className="muted">
        User administration, organizations created and plans changed, across every organization.
      </p>
      <AuditLog
        log="instance"
        actions={instanceAuditActions}
        load={(query) => api.instanceAuditEvents(query)}
        exportBase={null}
      />
    </section>
  );
}
