//! A scratch folder that runs the real `leadsync` binary against a fresh database: an SQLite
//! file in the folder, or a PostgreSQL schema of its own (dropped afterwards).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sqlx::{PgPool, SqlitePool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Workdir {
    dir: tempfile::TempDir,
    pub database_url: String,
    runtime: tokio::runtime::Runtime,
    pool: Pool,
    schema: Option<String>,
}

enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The PostgreSQL server for tests, if this machine has one configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("LEADSYNC_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

impl Workdir {
    /// A new folder and database, or `None` (with a note) when the backend is not available.
    pub fn new(backend: Backend) -> Option<Workdir> {
        let dir = tempfile::tempdir().expect("temp dir");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (database_url, pool, schema) = match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("leadsync.db").display());
                let options = url
                    .parse::<sqlx::sqlite::SqliteConnectOptions>()
                    .expect("url")
                    .create_if_missing(true);
                let pool = runtime
                    .block_on(SqlitePool::connect_with(options))
                    .expect("sqlite");
                (url, Pool::Sqlite(pool), None)
            }
            Backend::Postgres => {
                let Some(base) = postgres_url() else {
                    eprintln!(
                        "skipped: LEADSYNC_TEST_DATABASE_URL is not set, so this PostgreSQL test did not run"
                    );
                    return None;
                };
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let admin = runtime
                    .block_on(PgPool::connect(&base))
                    .expect("postgres is reachable");
                runtime
                    .block_on(
                        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                            .execute(&admin),
                    )
                    .expect("create schema");
                runtime.block_on(admin.close());
                let separator = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
                let pool = runtime
                    .block_on(PgPool::connect(&url))
                    .expect("postgres schema");
                (url, Pool::Postgres(pool), Some(schema))
            }
        };
        Some(Workdir {
            dir,
            database_url,
            runtime,
            pool,
            schema,
        })
    }

    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).expect("write file");
        path
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name))
            .unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    /// Writes a one-source job for `csv` (a file in the folder) with a mapping of the repo.
    pub fn job(&self, name: &str, csv: &str, mapping: &str, extra: &str) -> PathBuf {
        let mapping = repo().join("mappings").join(mapping);
        let source = source_toml("src", Path::new(csv), &mapping, Some("lead_id"));
        self.write(
            name,
            &format!("name = \"test\"\n{extra}\n[dedup]\ndefault_region = \"US\"\n\n{source}"),
        )
    }

    /// Runs the binary in the folder against this database.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_leadsync"))
            .args(args)
            .current_dir(self.dir.path())
            .env("LEADSYNC_DATABASE_URL", &self.database_url)
            .env_remove("LEADSYNC_LOG")
            .output()
            .expect("the leadsync binary runs")
    }

    /// A path in the folder.
    pub fn wd_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Starts the binary in the folder against this database, without waiting for it.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        Command::new(env!("CARGO_BIN_EXE_leadsync"))
            .args(args)
            .current_dir(self.dir.path())
            .env("LEADSYNC_DATABASE_URL", &self.database_url)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the leadsync binary starts")
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "leadsync {args:?} failed: {}\n{}",
            stderr(&output),
            stdout(&output)
        );
        stdout(&output)
    }

    /// Runs `import --json` and returns the parsed summary.
    pub fn import_json(&self, job: &Path) -> serde_json::Value {
        let text = self.ok(&["import", job.to_str().expect("utf-8 path"), "--json"]);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    /// Runs a query that returns one integer.
    pub fn count(&self, sql: &str) -> i64 {
        self.scalar(sql).expect("count query")
    }

    /// Like [`Workdir::count`], but `None` while the query cannot run (no schema yet).
    pub fn try_count(&self, sql: &str) -> Option<i64> {
        self.scalar(sql).ok()
    }

    fn scalar(&self, sql: &str) -> Result<i64, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.pool {
            Pool::Sqlite(pool) => self
                .runtime
                .block_on(sqlx::query_scalar(sql).fetch_one(pool)),
            Pool::Postgres(pool) => self
                .runtime
                .block_on(sqlx::query_scalar(sql).fetch_one(pool)),
        }
    }

    /// SQL for an id column as UUID text, as the CLI prints ids (SQLite keeps the 16 bytes).
    pub fn id_text(&self, column: &str) -> String {
        match &self.pool {
            Pool::Sqlite(_) => {
                let hex = format!("lower(hex({column}))");
                let part = |from: usize, len: usize| format!("substr({hex}, {from}, {len})");
                format!(
                    "{} || '-' || {} || '-' || {} || '-' || {} || '-' || {}",
                    part(1, 8),
                    part(9, 4),
                    part(13, 4),
                    part(17, 4),
                    part(21, 12)
                )
            }
            Pool::Postgres(_) => format!("CAST({column} AS TEXT)"),
        }
    }

    /// SQL for the id whose UUID text is `id`, as the store keeps ids.
    pub fn id_value(&self, id: &str) -> String {
        match &self.pool {
            Pool::Sqlite(_) => format!("unhex('{id}', '-')"),
            Pool::Postgres(_) => format!("'{id}'"),
        }
    }

    /// Runs a query that returns text columns, each row joined with ` | `.
    pub fn rows(&self, sql: &str) -> Vec<String> {
        use sqlx::Row;
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        macro_rules! collect {
            ($pool:expr) => {
                self.runtime
                    .block_on(sqlx::query(sql).fetch_all($pool))
                    .expect("query")
                    .iter()
                    .map(|row| {
                        (0..row.len())
                            .map(|i| {
                                row.try_get::<Option<String>, _>(i)
                                    .expect("text column")
                                    .unwrap_or_default()
                            })
                            .collect::<Vec<_>>()
                            .join(" | ")
                    })
                    .collect()
            };
        }
        match &self.pool {
            Pool::Sqlite(pool) => collect!(pool),
            Pool::Postgres(pool) => collect!(pool),
        }
    }

    /// The store's indexes and foreign keys, each by name with its definition (without
    /// the schema; SQLite's foreign keys have no name), so that one built back differently
    /// does not pass.
    pub fn indexes_and_foreign_keys(&self) -> Vec<String> {
        match &self.pool {
            Pool::Sqlite(_) => self.rows(
                "SELECT name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name",
            ),
            Pool::Postgres(_) => self.rows(
                "SELECT indexname::text, replace(indexdef, schemaname || '.', '') FROM pg_indexes WHERE schemaname = current_schema() \
                 UNION ALL SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
                 WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY 1",
            ),
        }
    }

    /// A connection of its own in a transaction that has read `table` and stays open,
    /// holding the read's lock, until the connection is dropped (PostgreSQL only).
    pub fn reading(&self, table: &str) -> Option<sqlx::PgConnection> {
        let Pool::Postgres(pool) = &self.pool else {
            return None;
        };
        let sql = sqlx::AssertSqlSafe(format!("BEGIN; SELECT COUNT(*) FROM {table}"));
        self.runtime.block_on(async {
            let mut conn = pool.acquire().await.expect("a connection").detach();
            sqlx::raw_sql(sql).execute(&mut conn).await.expect("a read");
            Some(conn)
        })
    }

    /// Runs a statement (fixture set-up).
    pub fn execute(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.pool {
            Pool::Sqlite(pool) => self
                .runtime
                .block_on(sqlx::raw_sql(sql).execute(pool))
                .map(drop),
            Pool::Postgres(pool) => self
                .runtime
                .block_on(sqlx::raw_sql(sql).execute(pool))
                .map(drop),
        }
        .expect("statement");
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let Some(schema) = &self.schema else { return };
        if let Pool::Postgres(pool) = &self.pool {
            let drop_schema = sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"));
            let _ = self
                .runtime
                .block_on(sqlx::query(drop_schema).execute(pool));
        }
    }
}

/// One `[[sources]]` entry of a job file.
pub fn source_toml(name: &str, path: &Path, mapping: &Path, key: Option<&str>) -> String {
    let key = key.map(|k| format!("key = \"{k}\"\n")).unwrap_or_default();
    format!(
        "[[sources]]\nname = \"{name}\"\ntype = \"csv\"\npath = \"{}\"\nmapping = \"{}\"\n{key}",
        path.display(),
        mapping.display()
    )
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(path: &str) -> String {
    std::fs::read_to_string(repo().join("fixtures").join(path))
        .unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Declares a test that runs once on SQLite and once on PostgreSQL.
macro_rules! on_both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn sqlite() {
                let wd = Workdir::new(Backend::Sqlite).expect("sqlite is always there");
                ($body)(&wd);
            }

            #[test]
            fn postgres() {
                if let Some(wd) = Workdir::new(Backend::Postgres) {
                    ($body)(&wd);
                }
            }
        }
    };
}
pub(crate) use on_both_backends;
