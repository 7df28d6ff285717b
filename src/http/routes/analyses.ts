import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  authorizeUpload,
  createAnalysis,
  getAnalysis,
  getQualityGate,
  pageAnalyses,
  pageIssues,
  putQualityGate,
} from '../../services/analyses.js';
import type { ServiceDeps } from '../../services/context.js';
import { actorOf, metaOf } from '../authentication.js';
import {
  AnalysisSchema,
  authErrors,
  errors,
  Id,
  IssueLevelSchema,
  IssueSchema,
  OrgKey,
  Page,
  PageQuery,
  ProjectKey,
  ProjectParams,
  QualityGateSchema,
  SearchText,
  Strict,
} from '../schemas.js';

const AnalysisParams = Strict({ org: OrgKey, projectKey: ProjectKey, analysisId: Id });
// Branch names and commit ids as VCSs write them (UTF-8 included): no spaces, no control
// characters, no bidirectional overrides.
const Ref = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[^\\s\\u0000-\\u001f\\u007f\\u202a-\\u202e\\u2066-\\u2069]+$',
});

const readErrors = [
  ...authErrors,
  'NOT_FOUND',
  'PERMISSION_DENIED',
  'PROJECT_OUT_OF_SCOPE',
] as const;

/** Analyses uploaded from CI, their issues, and each project's quality gate. */
export function analysisRoutes(deps: ServiceDeps, bodyLimit: number): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/orgs/:org/projects/:projectKey/analyses',
      {
        bodyLimit,
        // Authorization before the body is read. Malformed parameters were already refused
        // before this hook (registerEarlyParamsCheck), so none reaches the store.
        preParsing: async (request, _reply, payload) => {
          const { org, projectKey } = request.params as { org: string; projectKey: string };
          await authorizeUpload(deps, actorOf(request), org, projectKey);
          return payload;
        },
        schema: {
          tags: ['analyses'],
          summary: 'Upload a SARIF 2.1.0 or generic issue report as an analysis',
          params: ProjectParams,
          querystring: Strict({
            format: Type.Union([Type.Literal('sarif'), Type.Literal('generic')]),
            branch: Type.Optional(Ref),
            commit: Type.Optional(Ref),
          }),
          // The report is checked by its own parser, whose errors name the path at fault.
          body: Type.Object(
            {},
            { additionalProperties: true, description: 'The report, as the tool wrote it' },
          ),
          response: {
            201: AnalysisSchema,
            ...errors(...readErrors, 'FORBIDDEN', 'PAYLOAD_TOO_LARGE'),
          },
        },
      },
      async (request, reply) => {
        const { format, branch, commit } = request.query;
        const analysis = await createAnalysis(
          deps,
          actorOf(request),
          request.params.org,
          request.params.projectKey,
          { format, report: request.body, branch, commit },
          metaOf(request),
        );
        return reply.code(201).send(analysis);
      },
    );

    app.get(
      '/orgs/:org/projects/:projectKey/analyses',
      {
        schema: {
          tags: ['analyses'],
          summary: "A project's analyses, newest first",
          params: ProjectParams,
          querystring: PageQuery,
          response: { 200: Page(AnalysisSchema), ...errors(...readErrors) },
        },
      },
      async (request) =>
        pageAnalyses(
          deps,
          actorOf(request),
          request.params.org,
          request.params.projectKey,
          request.query,
        ),
    );

    app.get(
      '/orgs/:org/projects/:projectKey/analyses/:analysisId',
      {
        schema: {
          tags: ['analyses'],
          summary: 'One analysis',
          params: AnalysisParams,
          response: { 200: AnalysisSchema, ...errors(...readErrors) },
        },
      },
      async (request) =>
        getAnalysis(
          deps,
          actorOf(request),
          request.params.org,
          request.params.projectKey,
          request.params.analysisId,
        ),
    );

    app.get(
      '/orgs/:org/projects/:projectKey/analyses/:analysisId/issues',
      {
        schema: {
          tags: ['analyses'],
          summary: "An analysis's issues in report order, by level and rule",
          params: AnalysisParams,
          querystring: Type.Composite(
            [
              PageQuery,
              Type.Object({
                level: Type.Optional(IssueLevelSchema),
                rule: Type.Optional(SearchText(255)),
              }),
            ],
            { additionalProperties: false },
          ),
          response: { 200: Page(IssueSchema), ...errors(...readErrors) },
        },
      },
      async (request) => {
        const { level, rule, limit, cursor } = request.query;
        return pageIssues(
          deps,
          actorOf(request),
          request.params.org,
          request.params.projectKey,
          request.params.analysisId,
          { level, rule },
          { limit, cursor },
        );
      },
    );

    app.get(
      '/orgs/:org/projects/:projectKey/quality-gate',
      {
        schema: {
          tags: ['analyses'],
          summary: "The project's quality gate",
          params: ProjectParams,
          response: { 200: QualityGateSchema, ...errors(...readErrors) },
        },
      },
      async (request) =>
        getQualityGate(deps, actorOf(request), request.params.org, request.params.projectKey),
    );

    app.put(
      '/orgs/:org/projects/:projectKey/quality-gate',
      {
        schema: {
          tags: ['analyses'],
          summary: "Set the project's quality gate (org admins); null means no limit",
          params: ProjectParams,
          body: QualityGateSchema,
          response: { 200: QualityGateSchema, ...errors(...readErrors, 'FORBIDDEN') },
        },
      },
      async (request) =>
        putQualityGate(
          deps,
          actorOf(request),
          request.params.org,
          request.params.projectKey,
          request.body,
          metaOf(request),
        ),
    );
  };
}
