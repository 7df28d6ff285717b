import type { TestApp, TestSession } from './app.js';

/** The smallest SARIF report there is: one run, no result. */
export const emptySarif = {
  version: '2.1.0',
  runs: [{ tool: { driver: { name: 'eslint' } }, results: [] }],
};

/**
 * One object of each kind a route parameter can name, in the organization `orgKey`: the
 * project `existing`, an organization token and an analysis of that project. For the suites
 * that call every route.
 */
export async function seedRouteObjects(
  t: TestApp,
  admin: TestSession,
  orgKey: string,
): Promise<{
  projectKey: string;
  tokenId: string;
  analysisId: string;
  webhookId: string;
  deliveryId: string;
  policyId: string;
}> {
  await t.request(admin, {
    method: 'POST',
    url: `/api/v1/orgs/${orgKey}/projects`,
    payload: { key: 'existing', name: 'Existing' },
  });
  const token = await t.request(admin, {
    method: 'POST',
    url: `/api/v1/orgs/${orgKey}/tokens`,
    payload: {
      name: 'existing-token',
      permissions: ['project:browse'],
      projects: { mode: 'all' },
      expiresAt: null,
    },
  });
  const analysis = await t.request(admin, {
    method: 'POST',
    url: `/api/v1/orgs/${orgKey}/projects/existing/analyses?format=sarif`,
    payload: emptySarif,
  });
  const webhook = await t.request(admin, {
    method: 'POST',
    url: `/api/v1/orgs/${orgKey}/webhooks`,
    // A public address as a literal: it passes the address rules without DNS.
    payload: { url: 'https://93.184.215.14/hooks/orgtoken', events: ['*'] },
  });
  const ping = await t.request(admin, {
    method: 'POST',
    url: `/api/v1/orgs/${orgKey}/webhooks/${webhook.json().id}/ping`,
  });
  // Trust policies need the enterprise plan; elsewhere an id of none stands in.
  const policy = await t.request(admin, {
    method: 'POST',
    url: `/api/v1/orgs/${orgKey}/trust-policies`,
    payload: {
      name: 'existing-policy',
      issuer: 'https://token.actions.githubusercontent.com',
      audience: 'https://orgtoken.example',
      claims: { repository_owner_id: '1' },
      permissions: ['analysis:execute'],
      projects: { mode: 'all' },
    },
  });
  return {
    policyId: policy.statusCode === 201 ? policy.json().id : '01900000-0000-7000-8000-000000000000',
    projectKey: 'existing',
    tokenId: token.json().id,
    analysisId: analysis.json().id,
    webhookId: webhook.json().id,
    deliveryId: ping.json().id,
  };
}
