import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  AnalysisParams,
  AnalysisSchema,
  IssueListQuery,
  IssueSchema,
  QualityGateSchema,
  ReportBody,
  UploadQuery,
} from '../../contract/analyses.js';
import { Page, PageQuery, ProjectParams } from '../../contract/common.js';
import { type BodySegments, readBodySegments } from '../../runtime/body-segments.js';
import { decodedBody } from '../../runtime/ingest-decoding.js';
import type { IngestPool } from '../../runtime/ingest-pool.js';
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
import { callerOf } from '../auth/principal.js';
import { authErrors, errors } from '../responses.js';

const readErrors = [
  ...authErrors,
  'NOT_FOUND',
  'PERMISSION_DENIED',
  'PROJECT_OUT_OF_SCOPE',
] as const;

/**
 * The upload. The route never parses the report on the event loop: its JSON body arrives as
 * bytes (inflated first when sent with gzip) and the ingest pool parses it in a worker.
 * Before any byte is read, the caller is authorized and the upload admitted or refused
 * INGEST_BUSY; its place is given back once it is answered or the client goes away.
 */
/** An admitted upload's place: given back once; `left` aborts its parse if the client goes. */
interface Place {
  release: () => void;
  working: boolean;
  left: AbortController;
}

function uploadRoute(
  deps: ServiceDeps,
  bodyLimit: number,
  ingest: IngestPool,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    // An upload holds its place from admission until its parse and write end: a client that
    // leaves gives it back only while its body is still being read; once the handler works,
    // leaving aborts the parse, and the place comes back when the handler ends.
    const places = new WeakMap<FastifyRequest, Place>();
    const release = async (request: FastifyRequest) => {
      const place = places.get(request);
      if (place && !place.working) place.release();
    };
    app.removeContentTypeParser('application/json');
    // The body is read into segments the parser thread takes as they are (body-segments.ts).
    app.addContentTypeParser('application/json', (request: FastifyRequest, payload: Readable) =>
      readBodySegments(payload, request.headers['content-length'], bodyLimit),
    );
    app.post(
      '/orgs/:org/projects/:projectKey/analyses',
      {
        bodyLimit,
        preParsing: [
          // Malformed parameters were already refused before this hook
          // (registerEarlyParamsCheck), so none reaches the store.
          async (request, reply, payload) => {
            const { org, projectKey } = request.params as { org: string; projectKey: string };
            const { orgId } = await authorizeUpload(deps, callerOf(request), { org, projectKey });
            const place: Place = {
              release: ingest.admit(orgId),
              working: false,
              left: new AbortController(),
            };
            places.set(request, place);
            // The client may have gone while authorization waited on the store: onRequestAbort
            // then ran before there was a place to give back. The response's close event comes
            // once, answered or not; a socket already gone gives the place back at once.
            // Aborting makes an AbortError (a DOMException and its stack): only for a client
            // that left before its answer was sent, not after every upload.
            reply.raw.once('close', () => {
              if (place.working && !reply.raw.writableFinished) place.left.abort();
              else place.release();
            });
            if (request.raw.destroyed || reply.raw.destroyed) place.release();
            return decodedBody(payload, request.headers['content-encoding'], bodyLimit);
          },
        ],
        onResponse: release,
        onRequestAbort: release,
        schema: {
          tags: ['analyses'],
          summary: 'Upload a SARIF 2.1.0 or generic issue report as an analysis',
          description:
            'The body may be sent with `Content-Encoding: gzip`; its inflated size counts against the body limit.',
          params: ProjectParams,
          querystring: UploadQuery,
          // The report is checked by its own parser, whose errors name the path at fault.
          body: ReportBody,
          response: {
            201: AnalysisSchema,
            ...errors(
              ...readErrors,
              'FORBIDDEN',
              // The project deleted (or, provisioning, created by another upload) between its
              // read and the write.
              'CONFLICT',
              'PAYLOAD_TOO_LARGE',
              'UNSUPPORTED_ENCODING',
              'INGEST_BUSY',
              'INGEST_FAILED',
            ),
          },
        },
      },
      async (request, reply) => {
        const { format, branch, commit } = request.query;
        const place = places.get(request);
        if (place) place.working = true;
        try {
          const report = await ingest.parse(
            format,
            request.body as BodySegments,
            place?.left.signal,
          );
          const analysis = await createAnalysis(deps, callerOf(request), request.params, {
            format,
            report,
            branch,
            commit,
          });
          return reply.code(201).send(analysis);
        } finally {
          place?.release();
        }
      },
    );
  };
}

/** Analyses uploaded from CI, their issues, and each project's quality gate. */
export function analysisRoutes(
  deps: ServiceDeps,
  bodyLimit: number,
  ingest: IngestPool,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    // A scope of its own: only the upload takes its JSON body as bytes (see the parser below).
    await app.register(uploadRoute(deps, bodyLimit, ingest));

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
      async (request) => pageAnalyses(deps, callerOf(request), request.params, request.query),
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
      async (request) => getAnalysis(deps, callerOf(request), request.params),
    );

    app.get(
      '/orgs/:org/projects/:projectKey/analyses/:analysisId/issues',
      {
        schema: {
          tags: ['analyses'],
          summary: "An analysis's issues in report order, by level and rule",
          params: AnalysisParams,
          querystring: IssueListQuery,
          response: { 200: Page(IssueSchema), ...errors(...readErrors) },
        },
      },
      async (request) => pageIssues(deps, callerOf(request), request.params, request.query),
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
      async (request) => getQualityGate(deps, callerOf(request), request.params),
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
      async (request) => putQualityGate(deps, callerOf(request), request.params, request.body),
    );
  };
}
