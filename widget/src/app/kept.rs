//! Files of the outbox kept in the browser's IndexedDB (database `confab-files`, store
//! `files`, keyed `<client id>:<index>`), so that a reload, a closed tab or a lost network
//! loses none: the outbox entry itself is in `localStorage` (see [`crate::storage`]). A
//! message's files are removed once it is acknowledged or cancelled. IndexedDB can be
//! unavailable (private modes): then files live as long as the page.

use crate::live::next_event;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbObjectStore, IdbRequest, IdbTransactionMode};

/// The key of file `index` of the message `client_id`, in the store and in the page.
pub fn key(client_id: &str, index: usize) -> String {
    format!("{client_id}:{index}")
}

/// Runs `operation` on the store (opening the database, and creating it on first use) and
/// gives the result of the request it makes (`None` if anything failed).
///
/// `upgradeneeded` ends the first wait as well: the store is created in the continuation,
/// which runs as a microtask while the upgrade's transaction is still active; `success`
/// follows.
async fn run(
    write: bool,
    operation: &dyn Fn(&IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Option<JsValue> {
    let open = web_sys::window()?
        .indexed_db()
        .ok()??
        .open_with_u32("confab-files", 1)
        .ok()?;
    let first = next_event(&open, &["upgradeneeded", "success", "error"]).await?;
    if first.type_() == "upgradeneeded" {
        let database: web_sys::IdbDatabase = open.result().ok()?.unchecked_into();
        database.create_object_store("files").ok()?;
        next_event(&open, &["success", "error"]).await?;
    }
    let database: web_sys::IdbDatabase = open.result().ok()?.unchecked_into();
    let mode = match write {
        true => IdbTransactionMode::Readwrite,
        false => IdbTransactionMode::Readonly,
    };
    let store = database
        .transaction_with_str_and_mode("files", mode)
        .ok()?
        .object_store("files")
        .ok()?;
    let request = operation(&store).ok()?;
    next_event(&request, &["success", "error"]).await?;
    request.result().ok()
}

/// Keeps `blob` under `key`.
pub async fn put(key: String, blob: web_sys::Blob) {
    run(true, &|store| {
        store.put_with_key(&blob, &key.as_str().into())
    })
    .await;
}

/// The file kept under `key`, if any.
pub async fn get(key: &str) -> Option<web_sys::Blob> {
    run(false, &|store| store.get(&key.into()))
        .await?
        .dyn_into()
        .ok()
}

/// Forgets the file kept under `key`.
pub async fn remove(key: String) {
    run(true, &|store| store.delete(&key.as_str().into())).await;
}
