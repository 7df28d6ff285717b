import {
  type ComponentType,
  type LazyExoticComponent,
  lazy,
  type ReactNode,
  Suspense,
  useEffect,
} from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { Loading } from './components/feedback.js';
import { signInPath } from './next-path.js';
import { sessionEndedFlag } from './pages/sign-in-page.js';
import { SessionProvider, useSession } from './session.js';

/**
 * A page loaded when it is first shown, in its own chunk, so that a page fetches only what it
 * uses (docs/web-ui.md "Bundle").
 */
function page<Name extends string>(
  load: () => Promise<Record<Name, ComponentType>>,
  name: Name,
): LazyExoticComponent<ComponentType> {
  return lazy(async () => {
    const module = await load();
    const component: ComponentType = module[name];
    return { default: component };
  });
}

const AppLayout = page(() => import('./components/app-layout.js'), 'AppLayout');
const OrgLayout = page(() => import('./components/org-layout.js'), 'OrgLayout');
const AdminLayout = page(() => import('./components/admin-layout.js'), 'AdminLayout');
const SetupPage = page(() => import('./pages/setup-page.js'), 'SetupPage');
const HomePage = page(() => import('./pages/home-page.js'), 'HomePage');
const AccountTokensPage = page(() => import('./pages/account-tokens-page.js'), 'AccountTokensPage');
const InstanceAuditPage = page(() => import('./pages/instance-audit-page.js'), 'InstanceAuditPage');
const UsersPage = page(() => import('./pages/users-page.js'), 'UsersPage');
const ProjectsPage = page(() => import('./pages/projects-page.js'), 'ProjectsPage');
const ProjectPage = page(() => import('./pages/project-page.js'), 'ProjectPage');
const TokensPage = page(() => import('./pages/tokens-page.js'), 'TokensPage');
const TokenCreatePage = page(() => import('./pages/token-create-page.js'), 'TokenCreatePage');
const TokenDetailPage = page(() => import('./pages/token-detail-page.js'), 'TokenDetailPage');
const TokenEditPage = page(() => import('./pages/token-edit-page.js'), 'TokenEditPage');
const MembersPage = page(() => import('./pages/members-page.js'), 'MembersPage');
const PolicyPage = page(() => import('./pages/policy-page.js'), 'PolicyPage');
const NotificationsPage = page(() => import('./pages/notifications-page.js'), 'NotificationsPage');
const WebhooksPage = page(() => import('./pages/webhooks-page.js'), 'WebhooksPage');
const TrustPoliciesPage = page(() => import('./pages/trust-policies-page.js'), 'TrustPoliciesPage');
const TrustPolicyCreatePage = page(
  () => import('./pages/trust-policies-page.js'),
  'TrustPolicyCreatePage',
);
const TrustPolicyPage = page(() => import('./pages/trust-policies-page.js'), 'TrustPolicyPage');
const AuditPage = page(() => import('./pages/audit-page.js'), 'AuditPage');
const NotFoundPage = page(() => import('./pages/not-found-page.js'), 'NotFoundPage');

/**
 * The sign-in page is not part of the React app (main.tsx): arriving at its address from
 * inside the app (sign-out, a lost session, a signed-out visit) loads it as a page, and says
 * why when the session ended.
 */
function LeaveForSignIn() {
  const { lost } = useSession();
  const { search } = useLocation();
  useEffect(() => {
    const params = new URLSearchParams(search);
    if (lost) params.set(sessionEndedFlag, '1');
    const query = params.toString();
    window.location.replace(query ? `/signin?${query}` : '/signin');
  }, [lost, search]);
  return <Loading what="the sign-in page" />;
}

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
      {/* The frames hold their own boundaries, so a page loading inside keeps its frame. */}
      <Suspense fallback={<Loading what="the page" />}>
        <Routes>
          <Route path="/setup" element={<SetupPage />} />
          <Route path="/signin" element={<LeaveForSignIn />} />
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
            <Route path="admin/users" element={<UsersPage />} />
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
                <Route path="notifications" element={<NotificationsPage />} />
                {/* One route with the webhook optional, so the page keeps its state when one opens. */}
                <Route path="webhooks/:webhookId?" element={<WebhooksPage />} />
                <Route path="trust-policies" element={<TrustPoliciesPage />} />
                <Route path="trust-policies/new" element={<TrustPolicyCreatePage />} />
                <Route path="trust-policies/:policyId" element={<TrustPolicyPage />} />
                <Route path="audit" element={<AuditPage />} />
              </Route>
            </Route>
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </Suspense>
    </SessionProvider>
  );
}
