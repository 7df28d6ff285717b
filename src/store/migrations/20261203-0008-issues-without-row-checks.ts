import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen: never edit after it lands. PostgreSQL only: an issue's link to its analysis is no
// longer checked row by row. The foreign key ran its check once per inserted row, a lookup of
// the analysis and a lock on it each time; for a small upload of 82 issues that was 0.45 ms
// of the database's 1.5 ms, and uploads a second rose 1.25–1.30 × without it
// (docs/architecture.md, "Schema"). The link holds by construction instead: issues are written
// only in the statement or transaction that writes their analysis (store/analyses.ts), which
// no other transaction can see, let alone delete, before it commits. The cascade stays: a
// trigger deletes an analysis's issues with it, as `on delete cascade` did, one indexed delete
// per analysis. SQLite keeps its foreign key: there it cost nothing measurable, and dropping
// it would mean copying the whole table.

const isPostgres = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof PostgresAdapter;

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  const keys = await sql<{ name: string }>`
    select conname as name from pg_constraint
    where conrelid = 'analysis_issues'::regclass and contype = 'f'`.execute(db);
  for (const { name } of keys.rows) {
    await sql`alter table analysis_issues drop constraint ${sql.id(name)}`.execute(db);
  }
  // The function's search path is the one it is created under, so that it deletes from this
  // schema's table whatever path the deleting session has.
  await sql`
    create function analyses_delete_issues() returns trigger
    language plpgsql set search_path from current as $$
    begin
      delete from analysis_issues where analysis_id = old.id;
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger analyses_delete_issues after delete on analyses
    for each row execute function analyses_delete_issues()`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop trigger analyses_delete_issues on analyses`.execute(db);
  await sql`drop function analyses_delete_issues()`.execute(db);
  await sql`
    alter table analysis_issues add constraint analysis_issues_analysis_id_fkey
    foreign key (analysis_id) references analyses (id) on delete cascade`.execute(db);
}
