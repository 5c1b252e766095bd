//! The few SQLite calls a batch insert makes itself, on the connection sqlx holds locked
//! for it (`LockedSqliteHandle`). Through sqlx every value of every row is copied twice
//! (into its argument buffer, then by SQLite) and every statement is a round trip to the
//! connection's thread; here each statement reads its values where they already are, and
//! runs on the task that bound them. This is the project's only unsafe code: sqlx offers
//! the locked handle for such calls, and the lock is held for as long as a statement lives.

#![allow(unsafe_code)]

use std::borrow::Cow;
use std::error::Error as StdError;
use std::ffi::{CStr, c_char, c_int};
use std::fmt;
use std::marker::PhantomData;
use std::ptr;

use libsqlite3_sys as ffi;
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::sqlite::LockedSqliteHandle;

/// One value bound to a statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    OwnedText(String),
    /// An id: its 16 bytes (see `store/id.rs`).
    Id([u8; 16]),
}

/// A connection sqlx holds locked for us: no other thread uses it while this exists.
pub(crate) struct Locked<'h> {
    db: *mut ffi::sqlite3,
    _lock: PhantomData<&'h mut ()>,
}

/// A statement prepared on a locked connection, run once per set of values. It borrows
/// the lock, so it cannot outlive it.
pub(crate) struct Statement<'h> {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
    parameters: usize,
    _lock: PhantomData<&'h ()>,
}

impl<'h> Locked<'h> {
    pub fn new(handle: &'h mut LockedSqliteHandle<'_>) -> Self {
        Locked {
            db: handle.as_raw_handle().as_ptr(),
            _lock: PhantomData,
        }
    }

    /// Prepares a statement that writes rows in the transaction sqlx has begun; never
    /// BEGIN, COMMIT or ROLLBACK, which sqlx keeps track of itself.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>, sqlx::Error> {
        let db = self.db;
        let len = c_int::try_from(sql.len()).expect("a statement's SQL is short");
        let mut stmt = ptr::null_mut();
        // SAFETY: `db` is an open connection that no other thread uses while the lock is
        // held; `sql` is valid for `len` bytes and need not be NUL-terminated.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                db,
                sql.as_ptr().cast::<c_char>(),
                len,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK || stmt.is_null() {
            return Err(last_error(db));
        }
        // SAFETY: `stmt` was just prepared.
        let parameters = unsafe { ffi::sqlite3_bind_parameter_count(stmt) } as usize;
        Ok(Statement {
            db,
            stmt,
            parameters,
            _lock: PhantomData,
        })
    }
}

impl Statement<'_> {
    /// Binds `values` to the parameters in order and runs the statement once.
    pub fn run(&mut self, values: &[Value<'_>]) -> Result<(), sqlx::Error> {
        assert_eq!(
            values.len(),
            self.parameters,
            "one value per statement parameter"
        );
        let result = self.bind_and_step(values);
        // SAFETY: `stmt` is a live statement. Reset makes it ready for the next row, and
        // clearing drops the pointers into `values`, which are bound without a copy.
        unsafe {
            ffi::sqlite3_reset(self.stmt);
            ffi::sqlite3_clear_bindings(self.stmt);
        }
        result
    }

    fn bind_and_step(&mut self, values: &[Value<'_>]) -> Result<(), sqlx::Error> {
        for (index, value) in values.iter().enumerate() {
            let at = index as c_int + 1;
            // SAFETY: `stmt` is live and `at` is within its parameters. Text and bytes are
            // bound as SQLITE_STATIC: they are borrowed from `values`, which outlives the
            // step below, and the bindings are cleared before `run` returns.
            let rc = unsafe {
                match value {
                    Value::Null => ffi::sqlite3_bind_null(self.stmt, at),
                    Value::Integer(n) => ffi::sqlite3_bind_int64(self.stmt, at, *n),
                    Value::Real(x) => ffi::sqlite3_bind_double(self.stmt, at, *x),
                    Value::Text(text) => self.bind_text(at, text),
                    Value::OwnedText(text) => self.bind_text(at, text),
                    Value::Id(bytes) => ffi::sqlite3_bind_blob(
                        self.stmt,
                        at,
                        bytes.as_ptr().cast(),
                        bytes.len() as c_int,
                        ffi::SQLITE_STATIC(),
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(last_error(self.db));
            }
        }
        // SAFETY: every parameter is bound to memory that lives until `run` clears it.
        match unsafe { ffi::sqlite3_step(self.stmt) } {
            ffi::SQLITE_DONE | ffi::SQLITE_ROW => Ok(()),
            _ => Err(last_error(self.db)),
        }
    }

    /// SAFETY: the caller keeps `text` alive until the bindings are cleared.
    unsafe fn bind_text(&self, at: c_int, text: &str) -> c_int {
        unsafe {
            ffi::sqlite3_bind_text64(
                self.stmt,
                at,
                text.as_ptr().cast::<c_char>(),
                text.len() as u64,
                ffi::SQLITE_STATIC(),
                ffi::SQLITE_UTF8 as u8,
            )
        }
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: `stmt` is live and finalized exactly once, here.
        unsafe {
            ffi::sqlite3_finalize(self.stmt);
        }
    }
}

/// The connection's last error, as sqlx reports a database error: the extended result
/// code as the code, so retries and unique violations are recognized the same way.
fn last_error(db: *mut ffi::sqlite3) -> sqlx::Error {
    // SAFETY: `db` is an open connection; the message is copied before any other call.
    let (code, message) = unsafe {
        let code = ffi::sqlite3_extended_errcode(db);
        let message = CStr::from_ptr(ffi::sqlite3_errmsg(db))
            .to_string_lossy()
            .into_owned();
        (code, message)
    };
    sqlx::Error::Database(Box::new(SqliteFailure { code, message }))
}

/// An error SQLite returned to one of the calls above.
#[derive(Debug)]
struct SqliteFailure {
    code: c_int,
    message: String,
}

impl fmt::Display for SqliteFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl StdError for SqliteFailure {}

impl DatabaseError for SqliteFailure {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn StdError + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn StdError + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}
