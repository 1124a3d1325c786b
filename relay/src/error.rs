//! The relay's one error type, and the single place that maps it to an HTTP status and a
//! stable error code.

use confab_protocol::{ClientIdError, ErrorBody, ErrorDetail, TextError};

/// Everything that can go wrong while answering a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    /// The body is not the JSON the route expects.
    #[error("the request body is not valid JSON for this call: {0}")]
    MalformedJson(String),
    /// A query or path parameter is out of range or badly formed.
    #[error("invalid {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The message text breaks the rules of [`confab_protocol::validate_text`].
    #[error("{0}")]
    InvalidText(#[from] TextError),
    /// A `clientId` breaks the rules of [`confab_protocol::validate_client_id`].
    #[error("{0}")]
    InvalidClientId(#[from] ClientIdError),
    /// The body is larger than any valid request.
    #[error("the request body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The largest body accepted, in bytes.
        limit: usize,
    },
    /// No `Authorization: Bearer` token came with a call that needs one.
    #[error("this call needs a visitor token")]
    MissingToken,
    /// The token is malformed or its signature does not match.
    #[error("the token is not valid")]
    InvalidToken,
    /// The token was valid but has expired; start a new session to refresh it.
    #[error("the token has expired")]
    ExpiredToken,
    /// A WebSocket ticket is missing, unknown, used or expired.
    #[error("the socket ticket is not valid (tickets work once, for a minute)")]
    InvalidTicket,
    /// A WebSocket route was called without `Upgrade: websocket`.
    #[error("this route only accepts WebSocket upgrades")]
    UpgradeRequired,
    /// The token is valid, but for another thread.
    #[error("the token does not grant access to this thread")]
    WrongThread,
    /// The page's origin is not on the brand's list.
    #[error("origin {0:?} is not allowed for this brand")]
    OriginNotAllowed(String),
    /// Brand settings sent to the admin API or the console break a rule.
    #[error("invalid brand settings: {reason}")]
    InvalidBrand {
        /// What is wrong, and how to fix it.
        reason: String,
        /// The settings key path the rule is about (`name`, `businessHours`…), if it knows.
        field: Option<&'static str>,
    },
    /// A `userId` came without a valid `userHash`.
    #[error("the user hash does not match the user id")]
    InvalidIdentity,
    /// The agent API was called without a valid agent API key.
    #[error("this call needs a valid agent API key of the thread's brand")]
    InvalidAgentKey,
    /// A webhook from a messaging app came without its shared secret or signature, or with a
    /// wrong one.
    #[error("the webhook's secret or signature does not match")]
    InvalidWebhookSignature,
    /// A link code is unknown, used or expired.
    #[error("the link has expired or was already used (links work once, for 30 minutes)")]
    InvalidLinkCode,
    /// An email link (verification, continue) expired, was used, or names an address the
    /// thread no longer has.
    #[error("the email link has expired or was already used")]
    InvalidEmailLink,
    /// The admin API was called without the admin secret.
    #[error("this call needs the admin secret")]
    AdminOnly,
    /// The thread was erased (by the visitor, or after the brand's retention period).
    #[error("this conversation was deleted")]
    ThreadErased,
    /// Too many requests; try again after the given number of seconds.
    #[error("too many requests; try again in {retry_after} s")]
    RateLimited {
        /// Seconds until a retry can succeed (the `Retry-After` header).
        retry_after: u64,
    },
    /// No brand has this id.
    #[error("no brand {0:?}")]
    UnknownBrand(String),
    /// No route has this path.
    #[error("no such resource: {0}")]
    NotFound(String),
    /// The path exists, but not for this method.
    #[error("method {method} is not allowed here")]
    MethodNotAllowed {
        /// The method that was used.
        method: String,
        /// The methods the path accepts, for the `Allow` header.
        allowed: Vec<&'static str>,
    },
    /// A thread's object refused a call: the status, stable code and message it answered
    /// with, kept on their way back through the Worker.
    #[error("{message}")]
    Refused {
        /// The object's status.
        status: u16,
        /// Its stable code.
        code: String,
        /// Its message.
        message: String,
    },
    /// A logo's or an avatar's URL breaks the image rules ([`crate::image::check_source`]).
    #[error("invalid {field}: the image URL {reason}")]
    InvalidImageUrl {
        /// The field (`logoUrl`, `sender.avatarUrl`).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An image path's signature is missing or is not the relay's own.
    #[error("this image path was not made by this relay")]
    InvalidImageSignature,
    /// An image's source sent a type the relay does not serve, or bytes that are not the
    /// type it claimed.
    #[error("the image is not a PNG, JPEG, WebP, GIF or AVIF image: {0}")]
    UnsupportedImage(String),
    /// An image's source sent more than the relay serves.
    #[error("the image is larger than {limit} bytes")]
    ImageTooLarge {
        /// The largest image served, in bytes.
        limit: usize,
    },
    /// An image's source could not be reached, answered with an error or a redirect, or
    /// took too long.
    #[error("the image's source failed: {0}")]
    ImageUpstream(String),
    /// An upload came without a `Content-Length`.
    #[error("an upload needs a Content-Length")]
    LengthRequired,
    /// A file is larger than the brand allows.
    #[error("the file is larger than {limit} bytes")]
    FileTooLarge {
        /// The largest file allowed, in bytes.
        limit: u64,
    },
    /// A file's type is not allowed (never: SVG, HTML, scripts, programs).
    #[error("this type of file is not accepted: {0}")]
    FileTypeRefused(String),
    /// A file's bytes are not what its declared type or its name say.
    #[error("the file is not what it says it is: {0}")]
    FileTypeMismatch(String),
    /// A message names a file that is not an unsent upload of its thread.
    #[error("attachment {0:?} is not an unsent upload of this thread")]
    UnknownAttachment(String),
    /// A file link is forged, altered, expired or another file's.
    #[error("this file link is not valid (links expire; reload the conversation)")]
    InvalidFileLink,
    /// A body that should be XML (WeChat's hooks) is not one well-formed element.
    #[error("the request body is not valid XML for this call: {0}")]
    MalformedXml(String),
    /// A messaging app's API the call needs (WeChat's, for a QR code) failed or refused.
    #[error("the messaging app's API failed: {0}")]
    ProviderUnavailable(String),
    /// A knowledge entry (or an import's row, named in the message) breaks a rule.
    #[error("invalid knowledge: {0}")]
    InvalidKnowledge(String),
    /// A knowledge entry or import passes a limit (entries per brand, answer length,
    /// questions per entry; the row is named in the message).
    #[error("knowledge over a limit: {0}")]
    KnowledgeLimit(String),
    /// A body came in a type the call does not take.
    #[error("unsupported Content-Type {0}")]
    UnsupportedContentType(String),
    /// A browser's push subscription breaks a rule (endpoint, keys).
    #[error("invalid push subscription: {0}")]
    InvalidPushSubscription(String),
    /// Web push is not set up: the brand has not turned it on, or the relay has no VAPID key.
    #[error("web push is not available: {0}")]
    PushUnavailable(String),
    /// A satisfaction rating breaks a rule (score 1–5, comment length).
    #[error("invalid rating: {0}")]
    InvalidRating(String),
    /// The visitor rated this conversation already (once per resolution).
    #[error("this conversation was rated already")]
    AlreadyRated,
    /// Nothing to rate yet: the thread is not resolved, and no team reply has been quiet
    /// for the brand's time.
    #[error("no rating is wanted for this conversation now")]
    RatingNotWanted,
    /// A console call came without a session cookie, or with one that expired or was
    /// revoked.
    #[error("sign in to the console first")]
    NotSignedIn,
    /// A console member who is not an owner called an owner's route.
    #[error("only the brand's owners may do this")]
    OwnerOnly,
    /// A sign-in token is unknown, spent, expired, or its member was removed.
    #[error("this sign-in link has expired or was already used; ask for a new one")]
    SignInLinkInvalid,
    /// A member (address, name or role) breaks a rule.
    #[error("invalid member: {0}")]
    InvalidMember(String),
    /// No member of the brand has this address.
    #[error("no member {0:?}")]
    UnknownMember(String),
    /// Removing (or demoting) the brand's last owner would leave nobody to manage it.
    #[error("the brand's last owner cannot be removed")]
    LastOwner,
    /// A bug or an outage behind the relay; the detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl RelayError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            RelayError::MalformedJson(_)
            | RelayError::InvalidParameter { .. }
            | RelayError::InvalidClientId(_)
            | RelayError::InvalidImageUrl { .. } => 400,
            RelayError::InvalidText(_) | RelayError::InvalidBrand { .. } => 422,
            RelayError::NotSignedIn | RelayError::SignInLinkInvalid => 401,
            RelayError::OwnerOnly => 403,
            RelayError::InvalidMember(_) => 422,
            RelayError::UnknownMember(_) => 404,
            RelayError::LastOwner => 409,
            RelayError::InvalidIdentity
            | RelayError::AdminOnly
            | RelayError::InvalidAgentKey
            | RelayError::InvalidWebhookSignature => 401,
            RelayError::ThreadErased => 410,
            RelayError::RateLimited { .. } => 429,
            RelayError::BodyTooLarge { .. } => 413,
            RelayError::MissingToken
            | RelayError::InvalidToken
            | RelayError::ExpiredToken
            | RelayError::InvalidTicket => 401,
            RelayError::UpgradeRequired => 426,
            RelayError::WrongThread | RelayError::OriginNotAllowed(_) => 403,
            RelayError::UnknownBrand(_) | RelayError::NotFound(_) => 404,
            RelayError::InvalidLinkCode => 410,
            RelayError::InvalidEmailLink => 410,
            RelayError::MethodNotAllowed { .. } => 405,
            RelayError::Refused { status, .. } => *status,
            RelayError::InvalidImageSignature => 403,
            RelayError::UnsupportedImage(_) => 415,
            RelayError::ImageTooLarge { .. } => 413,
            RelayError::ImageUpstream(_) => 502,
            RelayError::LengthRequired => 411,
            RelayError::FileTooLarge { .. } => 413,
            RelayError::FileTypeRefused(_) | RelayError::FileTypeMismatch(_) => 415,
            RelayError::UnknownAttachment(_) => 400,
            RelayError::InvalidFileLink => 403,
            RelayError::MalformedXml(_) => 400,
            RelayError::ProviderUnavailable(_) => 502,
            RelayError::InvalidKnowledge(_) | RelayError::KnowledgeLimit(_) => 422,
            RelayError::UnsupportedContentType(_) => 415,
            RelayError::InvalidPushSubscription(_) => 422,
            RelayError::PushUnavailable(_) => 404,
            RelayError::InvalidRating(_) => 422,
            RelayError::AlreadyRated | RelayError::RatingNotWanted => 409,
            RelayError::Internal(_) => 500,
        }
    }

    /// The stable, machine-readable code in the JSON body.
    pub fn code(&self) -> &str {
        match self {
            RelayError::MalformedJson(_) => "malformed_json",
            RelayError::InvalidParameter { .. } => "invalid_parameter",
            RelayError::InvalidText(TextError::Empty) => "text_empty",
            RelayError::InvalidText(TextError::TooLong { .. }) => "text_too_long",
            RelayError::InvalidClientId(_) => "client_id_invalid",
            RelayError::BodyTooLarge { .. } => "body_too_large",
            RelayError::MissingToken => "token_missing",
            RelayError::InvalidToken => "token_invalid",
            RelayError::ExpiredToken => "token_expired",
            RelayError::WrongThread => "token_wrong_thread",
            RelayError::InvalidTicket => "ticket_invalid",
            RelayError::UpgradeRequired => "upgrade_required",
            RelayError::OriginNotAllowed(_) => "origin_not_allowed",
            RelayError::UnknownBrand(_) => "unknown_brand",
            RelayError::InvalidBrand { .. } => "invalid_brand",
            RelayError::NotSignedIn => "not_signed_in",
            RelayError::OwnerOnly => "owner_only",
            RelayError::SignInLinkInvalid => "sign_in_link_invalid",
            RelayError::InvalidMember(_) => "member_invalid",
            RelayError::UnknownMember(_) => "member_unknown",
            RelayError::LastOwner => "last_owner",
            RelayError::InvalidIdentity => "identity_invalid",
            RelayError::AdminOnly => "admin_only",
            RelayError::InvalidLinkCode => "link_code_invalid",
            RelayError::InvalidEmailLink => "email_link_invalid",
            RelayError::InvalidWebhookSignature => "webhook_signature_invalid",
            RelayError::InvalidAgentKey => "agent_key_invalid",
            RelayError::ThreadErased => "thread_erased",
            RelayError::RateLimited { .. } => "rate_limited",
            RelayError::NotFound(_) => "not_found",
            RelayError::MethodNotAllowed { .. } => "method_not_allowed",
            RelayError::Refused { code, .. } => code,
            RelayError::InvalidImageUrl { .. } => "image_url_invalid",
            RelayError::InvalidImageSignature => "image_signature_invalid",
            RelayError::UnsupportedImage(_) => "image_type_unsupported",
            RelayError::ImageTooLarge { .. } => "image_too_large",
            RelayError::ImageUpstream(_) => "image_upstream_failed",
            RelayError::LengthRequired => "length_required",
            RelayError::FileTooLarge { .. } => "file_too_large",
            RelayError::FileTypeRefused(_) => "file_type_refused",
            RelayError::FileTypeMismatch(_) => "file_type_mismatch",
            RelayError::UnknownAttachment(_) => "attachment_unknown",
            RelayError::InvalidFileLink => "file_link_invalid",
            RelayError::MalformedXml(_) => "malformed_xml",
            RelayError::ProviderUnavailable(_) => "provider_unavailable",
            RelayError::InvalidKnowledge(_) => "knowledge_invalid",
            RelayError::KnowledgeLimit(_) => "knowledge_limit",
            RelayError::UnsupportedContentType(_) => "content_type_unsupported",
            RelayError::InvalidPushSubscription(_) => "push_subscription_invalid",
            RelayError::PushUnavailable(_) => "push_unavailable",
            RelayError::InvalidRating(_) => "rating_invalid",
            RelayError::AlreadyRated => "already_rated",
            RelayError::RatingNotWanted => "rating_not_wanted",
            RelayError::Internal(_) => "internal",
        }
    }

    /// The JSON body: `{"error":{"code":"…","message":"…"}}`. Internal details stay in the log.
    pub fn body(&self) -> ErrorBody {
        let message = match self {
            RelayError::Internal(_) => "internal error".to_string(),
            other => other.to_string(),
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message,
                field: match self {
                    RelayError::InvalidBrand { field, .. } => field.map(str::to_string),
                    _ => None,
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(error: RelayError, status: u16, code: &str) {
        assert_eq!((error.status(), error.code()), (status, code), "{error:?}");
        assert_eq!(error.body().error.code, code);
    }

    #[test]
    fn maps_errors_to_status_and_code() {
        check(RelayError::MalformedJson("x".into()), 400, "malformed_json");
        check(RelayError::InvalidText(TextError::Empty), 422, "text_empty");
        check(
            RelayError::InvalidText(TextError::TooLong { chars: 5000 }),
            422,
            "text_too_long",
        );
        check(
            RelayError::InvalidClientId(ClientIdError::Character { character: ':' }),
            400,
            "client_id_invalid",
        );
        check(
            RelayError::from(ClientIdError::Length { chars: 65 }),
            400,
            "client_id_invalid",
        );
        check(RelayError::BodyTooLarge { limit: 1 }, 413, "body_too_large");
        check(RelayError::MissingToken, 401, "token_missing");
        check(RelayError::ExpiredToken, 401, "token_expired");
        check(RelayError::WrongThread, 403, "token_wrong_thread");
        check(RelayError::InvalidTicket, 401, "ticket_invalid");
        check(RelayError::UpgradeRequired, 426, "upgrade_required");
        check(
            RelayError::OriginNotAllowed("x".into()),
            403,
            "origin_not_allowed",
        );
        check(RelayError::NotFound("/x".into()), 404, "not_found");
        check(
            RelayError::MethodNotAllowed {
                method: "PUT".into(),
                allowed: vec!["GET"],
            },
            405,
            "method_not_allowed",
        );
        check(RelayError::Internal("db down".into()), 500, "internal");
        check(
            RelayError::Refused {
                status: 404,
                code: "not_found".into(),
                message: "no such thread".into(),
            },
            404,
            "not_found",
        );
        check(
            RelayError::InvalidBrand {
                reason: "x".into(),
                field: None,
            },
            422,
            "invalid_brand",
        );
        check(RelayError::InvalidRating("x".into()), 422, "rating_invalid");
        check(RelayError::AlreadyRated, 409, "already_rated");
        check(RelayError::RatingNotWanted, 409, "rating_not_wanted");
        check(RelayError::InvalidIdentity, 401, "identity_invalid");
        check(RelayError::AdminOnly, 401, "admin_only");
        check(RelayError::InvalidAgentKey, 401, "agent_key_invalid");
        check(RelayError::ThreadErased, 410, "thread_erased");
        check(RelayError::InvalidLinkCode, 410, "link_code_invalid");
        check(RelayError::InvalidEmailLink, 410, "email_link_invalid");
        check(
            RelayError::InvalidWebhookSignature,
            401,
            "webhook_signature_invalid",
        );
        check(
            RelayError::RateLimited { retry_after: 3 },
            429,
            "rate_limited",
        );
        check(
            RelayError::InvalidImageUrl {
                field: "logoUrl",
                reason: "must use https".into(),
            },
            400,
            "image_url_invalid",
        );
        check(
            RelayError::InvalidImageSignature,
            403,
            "image_signature_invalid",
        );
        check(
            RelayError::UnsupportedImage("image/svg+xml".into()),
            415,
            "image_type_unsupported",
        );
        check(
            RelayError::ImageTooLarge { limit: 1 },
            413,
            "image_too_large",
        );
        check(
            RelayError::ImageUpstream("timed out".into()),
            502,
            "image_upstream_failed",
        );
    }

    #[test]
    fn maps_attachment_errors() {
        check(RelayError::LengthRequired, 411, "length_required");
        check(RelayError::FileTooLarge { limit: 1 }, 413, "file_too_large");
        check(
            RelayError::FileTypeRefused("x".into()),
            415,
            "file_type_refused",
        );
        check(
            RelayError::FileTypeMismatch("x".into()),
            415,
            "file_type_mismatch",
        );
        check(
            RelayError::UnknownAttachment("a".into()),
            400,
            "attachment_unknown",
        );
        check(RelayError::InvalidFileLink, 403, "file_link_invalid");
    }

    #[test]
    fn maps_wechat_errors() {
        check(RelayError::MalformedXml("x".into()), 400, "malformed_xml");
        check(
            RelayError::ProviderUnavailable("WeChat -1".into()),
            502,
            "provider_unavailable",
        );
    }

    #[test]
    fn maps_knowledge_errors() {
        check(
            RelayError::InvalidKnowledge("row 2: x".into()),
            422,
            "knowledge_invalid",
        );
        check(
            RelayError::KnowledgeLimit("x".into()),
            422,
            "knowledge_limit",
        );
        check(
            RelayError::UnsupportedContentType("x".into()),
            415,
            "content_type_unsupported",
        );
    }

    #[test]
    fn maps_push_errors() {
        check(
            RelayError::InvalidPushSubscription("x".into()),
            422,
            "push_subscription_invalid",
        );
        check(
            RelayError::PushUnavailable("x".into()),
            404,
            "push_unavailable",
        );
    }

    #[test]
    fn maps_console_errors() {
        check(RelayError::NotSignedIn, 401, "not_signed_in");
        check(RelayError::OwnerOnly, 403, "owner_only");
        check(RelayError::SignInLinkInvalid, 401, "sign_in_link_invalid");
        check(RelayError::InvalidMember("x".into()), 422, "member_invalid");
        check(RelayError::UnknownMember("x".into()), 404, "member_unknown");
        check(RelayError::LastOwner, 409, "last_owner");
    }

    #[test]
    fn names_the_field_of_a_settings_error() {
        let named = RelayError::InvalidBrand {
            reason: "x".into(),
            field: Some("businessHours"),
        };
        assert_eq!(named.body().error.field.as_deref(), Some("businessHours"));
        let json = serde_json::to_value(named.body()).unwrap();
        assert_eq!(json["error"]["field"], "businessHours");
        let unnamed = serde_json::to_value(RelayError::NotSignedIn.body()).unwrap();
        assert!(unnamed["error"].get("field").is_none(), "{unnamed}");
    }

    #[test]
    fn internal_details_are_not_sent() {
        let body = RelayError::Internal("secret stack trace".into()).body();
        assert_eq!(body.error.message, "internal error");
    }
}
