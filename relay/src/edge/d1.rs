//! D1, the registry's database: every statement the relay sends it goes through here, so
//! that errors map one way and the fault switch can fail any of them.

use super::faults;
use super::http::internal;
use crate::directory::{Param, Statement};
use crate::error::RelayError;
use crate::fault::Site;
use crate::meter::{self, Use};
use serde::de::DeserializeOwned;
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Env};

/// The `DB` binding, with the fault switch of its relay.
pub struct Db {
    db: D1Database,
    env: Env,
}

/// A text parameter.
pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

/// A number parameter (D1 numbers are doubles: exact up to 2^53).
pub fn number(value: u64) -> JsValue {
    JsValue::from_f64(value as f64)
}

impl Db {
    /// The relay's database.
    pub fn new(env: &Env) -> Result<Db, RelayError> {
        Ok(Db {
            db: env.d1("DB").map_err(internal)?,
            env: env.clone(),
        })
    }

    fn prepare(&self, sql: &str, params: &[JsValue]) -> Result<D1PreparedStatement, RelayError> {
        faults::check(&self.env, Site::D1, sql)?;
        self.db.prepare(sql).bind(params).map_err(internal)
    }

    /// Runs a statement that returns no rows.
    pub async fn run(&self, sql: &str, params: &[JsValue]) -> Result<(), RelayError> {
        let result = self.prepare(sql, params)?.run().await.map_err(internal)?;
        metered(&result);
        Ok(())
    }

    /// The first row (or, with `column`, that column of it), if any.
    pub async fn first<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: &[JsValue],
        column: Option<&str>,
    ) -> Result<Option<T>, RelayError> {
        // Read as `all` (D1's `first` runs the same query) so that its rows are metered.
        let result = self.prepare(sql, params)?.all().await.map_err(internal)?;
        metered(&result);
        let Some(row) = result
            .results::<serde_json::Value>()
            .map_err(internal)?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let value = match column {
            Some(column) => row.get(column).cloned().unwrap_or(serde_json::Value::Null),
            None => row,
        };
        serde_json::from_value(value).map(Some).map_err(internal)
    }

    /// Every row.
    pub async fn all<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: &[JsValue],
    ) -> Result<Vec<T>, RelayError> {
        let result = self.prepare(sql, params)?.all().await.map_err(internal)?;
        metered(&result);
        result.results().map_err(internal)
    }

    /// Runs statements as one batch: D1 applies all of them or none.
    pub async fn batch(&self, statements: &[Statement]) -> Result<(), RelayError> {
        let prepared = statements
            .iter()
            .map(|statement| {
                let params: Vec<JsValue> = statement.params.iter().map(param).collect();
                self.prepare(statement.sql, &params)
            })
            .collect::<Result<Vec<_>, _>>()?;
        for result in self.db.batch(prepared).await.map_err(internal)? {
            metered(&result);
        }
        Ok(())
    }
}

/// Counts a statement's query and the rows D1 says it read and wrote.
fn metered(result: &D1Result) {
    meter::one(Use::D1Queries);
    if let Ok(Some(meta)) = result.meta() {
        meter::amount(Use::D1RowsRead, meta.rows_read.unwrap_or(0));
        meter::amount(Use::D1RowsWritten, meta.rows_written.unwrap_or(0));
    }
}

fn param(value: &Param) -> JsValue {
    match value {
        Param::Text(value) => text(value),
        Param::Number(value) => number(*value),
        Param::Null => JsValue::NULL,
    }
}
