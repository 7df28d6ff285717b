import type { ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { AdminLayout } from './components/AdminLayout.js';
import { AppLayout } from './components/AppLayout.js';
import { OrgLayout } from './components/OrgLayout.js';
import { signInPath } from './next-path.js';
import { AccountTokensPage } from './pages/AccountTokensPage.js';
import { AuditPage } from './pages/AuditPage.js';
import { HomePage } from './pages/HomePage.js';
import { InstanceAuditPage } from './pages/InstanceAuditPage.js';
import { MembersPage } from './pages/MembersPage.js';
import { NotFoundPage } from './pages/NotFoundPage.js';
import { PolicyPage } from './pages/PolicyPage.js';
import { ProjectPage } from './pages/ProjectPage.js';
import { ProjectsPage } from './pages/ProjectsPage.js';
import { SetupPage } from './pages/SetupPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { TokenCreatePage } from './pages/TokenCreatePage.js';
import { TokenDetailPage } from './pages/TokenDetailPage.js';
import { TokenEditPage } from './pages/TokenEditPage.js';
import { TokensPage } from './pages/TokensPage.js';
import { SessionProvider, useSession } from './session.js';

function RequireSession({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const location = useLocation();
  if (!session)
    return <Navigate to={signInPath(`${location.pathname}${location.search}`)} replace />;
  return children;
}

/** Every page of the web UI, by address (docs/architecture.md "Pages"). */
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
