import { type Static, Type } from '@sinclair/typebox';
import { Id, Name, ProjectKey, Strict, Timestamp } from './common.js';

export const ProjectSchema = Type.Object({
  id: Id,
  key: Type.String(),
  name: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Project = Static<typeof ProjectSchema>;

export const NewProjectBody = Strict({ key: ProjectKey, name: Name });
export type NewProject = Static<typeof NewProjectBody>;
export const ProjectChangeBody = Strict({ name: Name });
