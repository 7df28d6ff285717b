// What a use case acts on, named as the API's paths name it, so a route hands over its path
// parameters as they are and a service never takes a row of loose keys in a fixed order.

/** An organization, by key. */
export interface OrgRef {
  org: string;
}

/** A project of an organization, by key. */
export interface ProjectRef extends OrgRef {
  projectKey: string;
}

/** An analysis of a project. */
export interface AnalysisRef extends ProjectRef {
  analysisId: string;
}

/** An organization token. */
export interface OrgTokenRef extends OrgRef {
  tokenId: string;
}

/** A user in an organization (its membership). */
export interface MemberRef extends OrgRef {
  userId: string;
}

/** A page of a list: how many, after which cursor. */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}
