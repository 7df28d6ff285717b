import { orgAuditActions } from '../../../src/domain/audit-actions.js';
import { api } from '../api/client.js';
import { AuditLog } from '../components/audit-log.js';
import { useOrg } from '../components/org-layout.js';
import { usePageTitle } from '../hooks/use-page-title.js';

/** The organization's audit log; Enterprise can download all of it. */
export function AuditPage() {
  const { org } = useOrg();
  usePageTitle(`Audit log · ${org.name}`);
  return (
    <section>
      <h1>Audit log</h1>
      <AuditLog
        log={org.key}
        actions={orgAuditActions}
        load={(query) => api.auditEvents(org.key, query)}
        exportBase={
          org.plan === 'enterprise'
            ? `/api/v1/orgs/${encodeURIComponent(org.key)}/audit-events`
            : null
        }
      />
    </section>
  );
}
