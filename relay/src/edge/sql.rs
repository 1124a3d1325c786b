//! The objects' SQLite storage, metered: every statement a thread or an inbox object runs
//! goes through [`Sql`], and the rows it read and wrote are counted ([`crate::meter`]) once
//! its cursor is done with, whether its rows were read or not.

use crate::meter::{self, Use};
use serde::de::DeserializeOwned;
use worker::{SqlCursor, SqlStorage, SqlStorageValue};

/// An object's SQLite storage.
pub struct Sql {
    storage: SqlStorage,
}

impl Sql {
    /// The storage of an object (`state.storage().sql()`).
    pub fn new(storage: SqlStorage) -> Sql {
        Sql { storage }
    }

    /// Runs a statement; its rows (if any) are read through the cursor. A statement that
    /// returns no rows has run when this returns.
    pub fn exec(
        &self,
        query: &str,
        values: impl Into<Option<Vec<SqlStorageValue>>>,
    ) -> worker::Result<Cursor> {
        let cursor = self.storage.exec(query, values)?;
        meter::one(Use::SqliteStatements);
        Ok(Cursor { cursor })
    }
}

/// The rows of one statement; counted when dropped, after whatever was read.
pub struct Cursor {
    cursor: SqlCursor,
}

impl Cursor {
    /// Every remaining row, decoded.
    pub fn to_array<T: DeserializeOwned>(&self) -> worker::Result<Vec<T>> {
        self.cursor.to_array()
    }
}

impl Drop for Cursor {
    fn drop(&mut self) {
        meter::amount(Use::SqliteRowsRead, self.cursor.rows_read());
        meter::amount(Use::SqliteRowsWritten, self.cursor.rows_written());
    }
}
