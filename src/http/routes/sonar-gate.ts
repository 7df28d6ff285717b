import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CeTaskQuery,
  CeTaskSchema,
  ProjectStatusQuery,
  ProjectStatusSchema,
} from '../../contract/sonar.js';
import type { ServiceDeps } from '../../services/context.js';
import { getCeTask, getProjectStatus } from '../../services/quality-gate-status.js';
import { callerOf } from '../auth/principal.js';
import { authErrors, errors } from '../responses.js';

/**
 * The quality-gate check of SonarQube's tooling (docs/api.md "SonarQube-compatible quality
 * gate"): the task `orgtoken analyze` names in `.scannerwork/report-task.txt`, and the gate of
 * its analysis. Registered inside sonarRoutes, whose authentication they share: a token as
 * Bearer or as the Basic login, or a session.
 */
export function sonarGateRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/ce/task',
      {
        schema: {
          tags: ['sonarqube'],
          summary: 'The task of an analysis upload (SonarQube shape)',
          description:
            'The task id is the analysis id. An analysis the caller may not read answers 404, as one that does not exist.',
          querystring: CeTaskQuery,
          response: { 200: CeTaskSchema, ...errors(...authErrors, 'NOT_FOUND') },
        },
      },
      async (request) => getCeTask(deps, callerOf(request), request.query.id),
    );

    app.get(
      '/qualitygates/project_status',
      {
        schema: {
          tags: ['sonarqube'],
          summary: "The quality gate of an analysis, or of a project's latest (SonarQube shape)",
          description:
            'Either analysisId, or projectKey and organization (and optionally branch) for the newest analysis.',
          querystring: ProjectStatusQuery,
          response: {
            200: ProjectStatusSchema,
            ...errors(...authErrors, 'NOT_FOUND', 'PERMISSION_DENIED', 'PROJECT_OUT_OF_SCOPE'),
          },
        },
      },
      async (request) => getProjectStatus(deps, callerOf(request), request.query),
    );
  };
}
