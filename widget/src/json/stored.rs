//! Readers and writers of the widget's own types that it keeps in `localStorage`
//! ([`Outgoing`]) or takes from the page ([`Identity`]). Their shapes are the ones the
//! serde derives of earlier versions wrote, so storage written by an older widget still
//! reads after an upgrade: `Outgoing`'s keys are snake_case, its `error` is `null` when
//! there is none.

use super::backend::{self, Value};
use super::read;
use super::write::Object;
use super::{FromJson, Invalid, ToJson};
use crate::host::Identity;
use crate::state::{OutFile, Outgoing};
use confab_protocol::{AttachmentId, ClientMessageId};

impl FromJson for Outgoing {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(Outgoing {
            client_id: ClientMessageId::new(read::string(value, "client_id")?),
            text: read::string(value, "text")?,
            error: read::optional_string(value, "error")?,
            retryable: read::flag(value, "retryable", false)?,
            files: read::list(value, "files", false)?,
        })
    }
}

impl ToJson for Outgoing {
    fn to_json(&self) -> Value {
        let mut object = Object::new();
        object.string("client_id", self.client_id.as_str());
        object.string("text", &self.text);
        match &self.error {
            Some(error) => object.string("error", error),
            None => object.value("error", &backend::null()),
        }
        object.flag("retryable", self.retryable);
        object.list("files", &self.files);
        object.finish()
    }
}

/// A file of a stored outbox message: what it is and, once uploaded, its id (the bytes are
/// in IndexedDB; the preview and progress belong to one page).
impl FromJson for OutFile {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(OutFile {
            name: read::string(value, "name")?,
            content_type: read::string(value, "content_type")?,
            size: read::number(value, "size", read::MAX_WHOLE)?,
            uploaded: read::optional_string(value, "uploaded")?.map(AttachmentId::new),
            ..OutFile::default()
        })
    }
}

impl ToJson for OutFile {
    fn to_json(&self) -> Value {
        let mut object = Object::new();
        object.string("name", &self.name);
        object.string("content_type", &self.content_type);
        object.number("size", self.size);
        object.optional_string("uploaded", self.uploaded.as_ref().map(AttachmentId::as_str));
        object.finish()
    }
}

impl FromJson for Identity {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(Identity {
            user_id: read::string(value, "userId")?,
            user_hash: read::string(value, "userHash")?,
            name: read::optional_string(value, "name")?,
            email: read::optional_string(value, "email")?,
        })
    }
}

impl ToJson for Identity {
    fn to_json(&self) -> Value {
        let mut object = Object::new();
        object.string("userId", &self.user_id);
        object.string("userHash", &self.user_hash);
        object.optional_string("name", self.name.as_deref());
        object.optional_string("email", self.email.as_deref());
        object.finish()
    }
}
