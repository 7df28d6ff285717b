import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen: never edit after it lands. PostgreSQL only: an issue's link to its analysis is no
// longer checked row by row. The foreign key ran its check once per inserted row, a lookup of
// the analysis and a lock on it each time; for a small upload of 82 issues that was 0.45–0.52
// ms of the database's 1.4–1.5 ms, and uploads a second rose 1.25–1.30 × without it
// (docs/architecture.md, "Decisions and why"). The link holds by construction instead: issues
// are written only in the statement or transaction that writes their analysis
// (store/analyses.ts), which no other transaction can see, let alone delete, before it
// commits. What the key did besides stays:
// - its cascade: a trigger deletes an analysis's issues with it, one indexed delete per
//   analysis as `on delete cascade` did, with the table owner's rights as the cascade had;
// - its refusal of `truncate analyses`, which would leave every issue behind.
// SQLite keeps its foreign key: there it cost nothing measurable, and dropping it would mean
// copying the whole table.

const isPostgres = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof PostgresAdapter;

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  // The migrations' transaction holds these locks to its end. Taken in the order an upload
  // takes them (analysis, then issues), so that the two cannot deadlock; and waited for at
  // most 10 s, so that a long upload makes the start fail (to be retried) rather than every
  // query on both tables queue behind the wait.
  await sql`set local lock_timeout = '10s'`.execute(db);
  await sql`lock table analyses, analysis_issues in access exclusive mode`.execute(db);
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('No current schema to create the issues trigger in.');
  const keys = await sql<{ name: string }>`
    select conname as name from pg_constraint
    where conrelid = 'analysis_issues'::regclass and contype = 'f'`.execute(db);
  for (const { name } of keys.rows) {
    await sql`alter table analysis_issues drop constraint ${sql.id(name)}`.execute(db);
  }
  // Run with its owner's rights, as a foreign key's cascade is, and so with a search path of
  // its own: the table's schema, then pg_temp last, so that no other schema's (or temporary)
  // table of the same name can stand in for it.
  const issues = sql.id(schema, 'analysis_issues');
  const path = sql.raw(`${sql.id(schema).compile(db).sql}, pg_temp`);
  await sql`
    create function ${sql.id(schema, 'analyses_delete_issues')}() returns trigger
    language plpgsql security definer set search_path = ${path} as $$
    begin
      delete from ${issues} where analysis_id = old.id;
      return null;
    end
    $$`.execute(db);
  await sql`
    create function ${sql.id(schema, 'analyses_refuse_truncate')}() returns trigger
    language plpgsql set search_path = ${path} as $$
    begin
      raise exception 'analyses cannot be truncated: their issues would be left behind'
        using errcode = 'feature_not_supported';
    end
    $$`.execute(db);
  await sql`
    create trigger analyses_delete_issues after delete on analyses
    for each row execute function ${sql.id(schema, 'analyses_delete_issues')}()`.execute(db);
  await sql`
    create trigger analyses_refuse_truncate before truncate on analyses
    for each statement execute function ${sql.id(schema, 'analyses_refuse_truncate')}()`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop trigger analyses_refuse_truncate on analyses`.execute(db);
  await sql`drop trigger analyses_delete_issues on analyses`.execute(db);
  await sql`drop function analyses_refuse_truncate()`.execute(db);
  await sql`drop function analyses_delete_issues()`.execute(db);
  // None should be there; the key could not be added over one.
  await sql`
    delete from analysis_issues i
    where not exists (select 1 from analyses a where a.id = i.analysis_id)`.execute(db);
  await sql`
    alter table analysis_issues add constraint analysis_issues_analysis_id_fkey
    foreign key (analysis_id) references analyses (id) on delete cascade`.execute(db);
}
