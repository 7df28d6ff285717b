import type { Kysely } from 'kysely';

// Frozen: never edit after it lands. Analyses and their normalized issues; a project's
// quality gate lives in its own table so that projects need no schema change.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('quality_gates')
    .addColumn('project_id', 'text', (c) =>
      c.primaryKey().references('projects.id').onDelete('cascade'),
    )
    .addColumn('max_errors', 'integer')
    .addColumn('max_warnings', 'integer')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('analyses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) =>
      c.notNull().references('projects.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('tools', 'text', (c) => c.notNull())
    .addColumn('branch', 'text')
    .addColumn('commit_sha', 'text')
    .addColumn('errors', 'integer', (c) => c.notNull())
    .addColumn('warnings', 'integer', (c) => c.notNull())
    .addColumn('notes', 'integer', (c) => c.notNull())
    .addColumn('gate_status', 'text', (c) => c.notNull())
    .addColumn('gate_conditions', 'text', (c) => c.notNull())
    .addColumn('submitted_by_type', 'text', (c) => c.notNull())
    .addColumn('submitted_by_id', 'text', (c) => c.notNull())
    .addColumn('submitted_by_name', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ix_analyses_project')
    .on('analyses')
    .columns(['project_id', 'id'])
    .execute();

  await db.schema
    .createTable('analysis_issues')
    .addColumn('analysis_id', 'text', (c) =>
      c.notNull().references('analyses.id').onDelete('cascade'),
    )
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('tool', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('file', 'text')
    .addColumn('line', 'integer')
    .addPrimaryKeyConstraint('pk_analysis_issues', ['analysis_id', 'seq'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['analysis_issues', 'analyses', 'quality_gates']) {
    await db.schema.dropTable(table).execute();
  }
}
