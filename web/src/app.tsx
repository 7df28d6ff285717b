import type { ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { AdminLayout } from './components/admin-layout.js';
import { AppLayout } from './components/app-layout.js';
import { OrgLayout } from './components/org-layout.js';
import { signInPath } from './next-path.js';
import { AccountTokensPage } from './pages/account-tokens-page.js';
import { AuditPage } from './pages/audit-page.js';
import { HomePage } from './pages/home-page.js';
import { InstanceAuditPage } from './pages/instance-audit-page.js';
import { MembersPage } from './pages/members-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { PolicyPage } from './pages/policy-page.js';
import { ProjectPage } from './pages/project-page.js';
import { ProjectsPage } from './pages/projects-page.js';
import { SetupPage } from './pages/setup-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { TokenCreatePage } from './pages/token-create-page.js';
import { TokenDetailPage } from './pages/token-detail-page.js';
import { TokenEditPage } from './pages/token-edit-page.js';
import { TokensPage } from './pages/tokens-page.js';
import { SessionProvider, useSession } from './session.js';

function RequireSession({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const location = useLocation();
  if (!session)
    return <Navigate to={signInPath(`${location.pathname}${location.search}`)} replace />;
  return children;
}

/** Every page of the web UI, by address (docs/web-ui.md "Pages"). */
export function App() {
  return (
    <SessionProvider>
      <Routes>
        <Route path="/setup" element={<SetupPage />} />
        <Route path="/signin" element={<SignInPage />} />
        <Route
          element={
            <RequireSession>
              <AppLayout />
            </RequireSession>
          }
        >
          <Route index element={<HomePage />} />
          <Route path="account/tokens" element={<AccountTokensPage />} />
          <Route path="admin/audit" element={<InstanceAuditPage />} />
          <Route path="orgs/:org" element={<OrgLayout />}>
            <Route index element={<Navigate to="projects" replace />} />
            <Route path="projects" element={<ProjectsPage />} />
            <Route path="projects/:projectKey" element={<ProjectPage />} />
            <Route path="admin" element={<AdminLayout />}>
              <Route index element={<Navigate to="tokens" replace />} />
              <Route path="tokens" element={<TokensPage />} />
              <Route path="tokens/new" element={<TokenCreatePage />} />
              <Route path="tokens/:tokenId" element={<TokenDetailPage />} />
              <Route path="tokens/:tokenId/edit" element={<TokenEditPage />} />
              <Route path="members" element={<MembersPage />} />
              <Route path="policy" element={<PolicyPage />} />
              <Route path="audit" element={<AuditPage />} />
            </Route>
          </Route>
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </SessionProvider>
  );
}
