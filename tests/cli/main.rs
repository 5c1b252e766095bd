//! The `leadsync` binary, run on small fixtures in a scratch folder, on SQLite and on
//! PostgreSQL (when `LEADSYNC_TEST_DATABASE_URL` is set).

mod convert;
mod hostile;
mod import;
mod mappings;
mod runs;
mod sources;
mod upgrade;
mod validate;
mod workdir;
