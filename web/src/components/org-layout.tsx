import { Outlet, useOutletContext, useParams } from 'react-router';
import { ApiError, api } from '../api/client.js';
import type { Organization } from '../api/types.js';
import { useLoad } from '../hooks/use-load.js';
import { useUser } from '../session.js';
import { administers } from './app-layout.js';
import { ErrorNotice, Loading } from './feedback.js';

export interface OrgContext {
  org: Organization;
  /** Org admin or instance admin. */
  isAdmin: boolean;
}

export function useOrg(): OrgContext {
  return useOutletContext<OrgContext>();
}

/** Loads the organization of the address; one the caller cannot see reads as not found. */
export function OrgLayout() {
  const { org: key = '' } = useParams();
  const user = useUser();
  const org = useLoad(() => api.org(key), [key]);
  if (org.error) {
    if (org.error instanceof ApiError && org.error.status === 404) {
      return (
        <section>
          <h1>Organization not found</h1>
          <p>There is no organization “{key}”, or you are not a member of it.</p>
        </section>
      );
    }
    return <ErrorNotice error={org.error} />;
  }
  if (!org.data || org.data.key !== key) return <Loading what="the organization" />;
  const context: OrgContext = { org: org.data, isAdmin: administers(org.data, user.instanceAdmin) };
  return <Outlet context={context} />;
}
