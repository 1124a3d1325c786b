//! The push rules against RFC 8291's worked example and RFC 8292's JWT rules.

use super::encrypt::{derive, encrypt, EncryptError, MAX_PLAINTEXT};
use super::notification::{first_line, still_unseen, Notification, PAD_TO};
use super::subscription::{Subscription, MAX_ENDPOINT_CHARS};
use super::vapid::{audience, VapidError, VapidKey, JWT_VALIDITY_SECONDS};
use super::{b64, unb64};
use crate::error::RelayError;
use confab_protocol::api::{PushKeys, PushSubscription};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};

fn d(text: &str) -> Vec<u8> {
    unb64(text).expect("base64url")
}

// RFC 8291 Appendix A, every value as the RFC prints it.
const PLAINTEXT: &str = "V2hlbiBJIGdyb3cgdXAsIEkgd2FudCB0byBiZSBhIHdhdGVybWVsb24";
const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
const AS_PUBLIC: &str =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
const UA_PUBLIC: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
const ECDH_SECRET: &str = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs";
const CEK: &str = "oIhVW04MRdy2XN9CiKLxTg";
const NONCE: &str = "4h_95klXJ5E_qnoN";
const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

fn as_private() -> [u8; 32] {
    d(AS_PRIVATE).try_into().expect("32 bytes")
}

fn salt() -> [u8; 16] {
    d(SALT).try_into().expect("16 bytes")
}

#[test]
fn rfc_8291_appendix_a_intermediate_values() {
    let (derived, as_public) = derive(&d(UA_PUBLIC), &d(AUTH), &as_private(), &salt()).unwrap();
    assert_eq!(b64(&as_public), AS_PUBLIC);
    assert_eq!(b64(&derived.ecdh_secret), ECDH_SECRET);
    assert_eq!(b64(&derived.cek), CEK);
    assert_eq!(b64(&derived.nonce), NONCE);
}

#[test]
fn rfc_8291_appendix_a_encrypts_to_the_rfcs_body() {
    let plaintext = d(PLAINTEXT);
    assert_eq!(plaintext, b"When I grow up, I want to be a watermelon");
    let body = encrypt(
        &plaintext,
        &d(UA_PUBLIC),
        &d(AUTH),
        &as_private(),
        &salt(),
        0,
    )
    .unwrap();
    assert_eq!(b64(&body), BODY);
}

#[test]
fn padding_grows_the_record_and_too_much_is_refused() {
    let plain = b"hi";
    let body = encrypt(plain, &d(UA_PUBLIC), &d(AUTH), &as_private(), &salt(), 100).unwrap();
    // Header 86, plaintext 2, delimiter 1, padding 100, tag 16.
    assert_eq!(body.len(), 86 + 2 + 1 + 100 + 16);
    let huge = vec![b'a'; MAX_PLAINTEXT + 1];
    assert_eq!(
        encrypt(&huge, &d(UA_PUBLIC), &d(AUTH), &as_private(), &salt(), 0),
        Err(EncryptError::TooLarge)
    );
    let mut not_a_point = d(UA_PUBLIC);
    not_a_point[10] ^= 1;
    assert_eq!(
        encrypt(plain, &not_a_point, &d(AUTH), &as_private(), &salt(), 0),
        Err(EncryptError::BadPublicKey)
    );
}

/// A development key, for tests only (the same as `tests/.dev.vars`'s).
const DEV_KEY: &str = "vXKm2ry0aNtPHwx0yOdPU6qtgvYW3Uf3bUU_dKKnXdo";

#[test]
fn a_vapid_jwt_verifies_with_the_public_key_and_names_the_endpoints_origin() {
    let key = VapidKey::from_secret(DEV_KEY).unwrap();
    let endpoint = "https://fcm.googleapis.com/fcm/send/abc:def?x=1";
    let now = 1_700_000_000;
    let header = key
        .authorization(endpoint, "mailto:ops@confab.example", now)
        .unwrap();
    let (t, k) = header
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .unwrap();
    assert_eq!(k, key.public_key());
    let public = d(k);
    assert_eq!((public.len(), public[0]), (65, 4));
    let (input, signature) = t.rsplit_once('.').unwrap();
    let verifying = VerifyingKey::from_sec1_bytes(&public).unwrap();
    let signature = Signature::from_slice(&d(signature)).unwrap();
    verifying.verify(input.as_bytes(), &signature).unwrap();
    // A changed claim no longer verifies.
    let (head, claims) = input.split_once('.').unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&d(claims)).unwrap();
    let header: serde_json::Value = serde_json::from_slice(&d(head)).unwrap();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(claims["aud"], "https://fcm.googleapis.com");
    assert_eq!(claims["sub"], "mailto:ops@confab.example");
    let exp = claims["exp"].as_u64().unwrap();
    assert!(exp > now && exp <= now + 24 * 3600);
    assert_eq!(exp, now + JWT_VALIDITY_SECONDS);
    let forged = format!("{head}.{}", b64(br#"{"aud":"https://evil.example"}"#));
    assert!(verifying.verify(forged.as_bytes(), &signature).is_err());
}

#[test]
fn vapid_refuses_bad_keys_subjects_and_endpoints() {
    assert_eq!(
        VapidKey::from_secret("not a key").unwrap_err(),
        VapidError::BadKey
    );
    assert_eq!(
        VapidKey::from_secret(&b64(&[0u8; 32])).unwrap_err(),
        VapidError::BadKey
    );
    let key = VapidKey::from_secret(DEV_KEY).unwrap();
    for subject in ["ops@confab.example", "http://confab.example", "mailto:"] {
        assert_eq!(
            key.jwt("https://push.example/x", subject, 0).unwrap_err(),
            VapidError::BadSubject,
            "{subject}"
        );
    }
    assert!(key
        .jwt("https://push.example/x", "https://confab.example/ops", 0)
        .is_ok());
    assert_eq!(
        audience("ftp://push.example/x"),
        Err(VapidError::BadEndpoint)
    );
    assert_eq!(
        audience("http://127.0.0.1:9000/push/abc").as_deref(),
        Ok("http://127.0.0.1:9000")
    );
    // The private half never reaches a log.
    assert!(!format!("{key:?}").contains(DEV_KEY));
}

fn subscription(endpoint: &str) -> PushSubscription {
    PushSubscription {
        endpoint: endpoint.to_string(),
        keys: PushKeys {
            p256dh: UA_PUBLIC.to_string(),
            auth: AUTH.to_string(),
        },
    }
}

fn refused(raw: &PushSubscription, allow_local: bool) -> String {
    match Subscription::check(raw, allow_local) {
        Err(RelayError::InvalidPushSubscription(why)) => why,
        other => panic!("{} was not refused: {other:?}", raw.endpoint),
    }
}

#[test]
fn subscriptions_need_https_public_endpoints_in_production() {
    let kept = Subscription::check(&subscription("https://push.example.net/s/abc"), false).unwrap();
    assert_eq!(kept.endpoint, "https://push.example.net/s/abc");
    assert_eq!(kept.key_bytes().unwrap(), (d(UA_PUBLIC), d(AUTH)));
    let plain_http = subscription("http://push.example.net/s/abc");
    assert!(refused(&plain_http, false).contains("https"));
    let local = subscription("http://127.0.0.1:9000/push/abc");
    assert!(refused(&local, false).contains("private or loopback"));
    // A development relay takes the tests' fake push service on this machine.
    assert!(Subscription::check(&local, true).is_ok());
    assert!(refused(&subscription("javascript:alert(1)"), true).contains("https"));
    let long = format!(
        "https://push.example.net/{}",
        "a".repeat(MAX_ENDPOINT_CHARS)
    );
    assert!(refused(&subscription(&long), false).contains("longer"));
}

#[test]
fn subscriptions_need_the_keys_rfc_8291_uses() {
    let endpoint = "https://push.example.net/s/abc";
    let mut short_key = subscription(endpoint);
    short_key.keys.p256dh = b64(&d(UA_PUBLIC)[..33]);
    assert!(refused(&short_key, false).contains("p256dh"));
    let mut off_curve = subscription(endpoint);
    let mut point = d(UA_PUBLIC);
    point[64] ^= 1;
    off_curve.keys.p256dh = b64(&point);
    assert!(refused(&off_curve, false).contains("p256dh"));
    let mut short_auth = subscription(endpoint);
    short_auth.keys.auth = b64(&[1u8; 8]);
    assert!(refused(&short_auth, false).contains("auth"));
    let mut padded = subscription(endpoint);
    padded.keys.auth = format!("{AUTH}==");
    assert_eq!(
        Subscription::check(&padded, false).unwrap().auth,
        AUTH.to_string()
    );
}

#[test]
fn a_notification_is_the_brand_the_first_line_and_a_tag_per_thread() {
    use confab_protocol::{
        Author, Channel, ClientMessageId, DeliveryStatus, Message, MessageId, Seq, Timestamp,
    };
    let message = |text: &str| Message {
        id: MessageId::new("m1"),
        client_id: ClientMessageId::new("c1"),
        seq: Seq(3),
        author: Author::Agent,
        channel: Channel::Telegram,
        text: text.into(),
        created_at: Timestamp(1),
        status: DeliveryStatus::Sent,
        failure: None,
        sender: None,
        attachments: Vec::new(),
        replies: Vec::new(),
    };
    let note = Notification::for_reply(
        "Acme",
        &message("\n  Your order shipped  \nTracking: 42"),
        "t1",
        Some("https://shop.example/orders"),
    );
    assert_eq!(note.title, "Acme");
    assert_eq!(note.body, "Your order shipped");
    assert_eq!(note.tag, "confab-t1");
    assert_eq!(note.url.as_deref(), Some("https://shop.example/orders"));
    let (json, padding) = note.payload();
    assert_eq!((json.len() + 1 + padding) % PAD_TO, 0);
    assert_eq!(first_line(""), "New message");
    let long = first_line(&"é".repeat(500));
    assert_eq!(long.chars().count(), 120);
    assert!(long.ends_with('…'));
}

#[test]
fn only_the_last_unseen_reply_of_a_burst_is_pushed() {
    assert!(still_unseen(5, 4, 5));
    assert!(!still_unseen(5, 5, 5), "seen");
    assert!(!still_unseen(5, 9, 9), "seen later");
    assert!(!still_unseen(5, 4, 7), "a later reply carries the news");
}

#[test]
fn a_brand_turns_push_on_with_a_delay_of_at_most_a_minute() {
    use crate::brand::{validate_settings, BrandSettings};
    let with = |json: &str| -> BrandSettings { serde_json::from_str(json).unwrap() };
    assert_eq!(with(r#"{"name":"Acme"}"#).push, None);
    let on = with(r#"{"name":"Acme","push":{}}"#);
    assert_eq!(on.push.map(|push| push.delay_seconds), Some(10));
    assert!(validate_settings(&on, false).is_ok());
    let quick = with(r#"{"name":"Acme","push":{"delaySeconds":1}}"#);
    assert!(validate_settings(&quick, false).is_ok());
    let slow = with(r#"{"name":"Acme","push":{"delaySeconds":61}}"#);
    assert_eq!(
        validate_settings(&slow, false).map_err(|e| e.code().to_string()),
        Err("invalid_brand".into())
    );
}

#[test]
fn push_services_answers_deliver_forget_retry_or_refuse() {
    use crate::connector::{Delivery, FailureReason};
    use crate::push::by_status;
    assert_eq!(by_status(201, None), (Delivery::Delivered, false));
    for gone in [404, 410] {
        match by_status(gone, None) {
            (Delivery::Refused { failure }, true) => {
                assert_eq!(failure.status, Some(gone));
            }
            other => panic!("{gone}: {other:?}"),
        }
    }
    assert!(matches!(
        by_status(429, Some(7)),
        (
            Delivery::RateLimited {
                after_seconds: 7,
                ..
            },
            false
        )
    ));
    assert!(matches!(
        by_status(503, None),
        (Delivery::Retry { .. }, false)
    ));
    match by_status(400, None) {
        (Delivery::Refused { failure }, false) => {
            assert_eq!(failure.reason, FailureReason::ProviderRejected);
            assert!(failure.detail().contains("HTTP 400"));
        }
        other => panic!("400: {other:?}"),
    }
    assert!(matches!(
        by_status(413, None),
        (Delivery::Refused { .. }, false)
    ));
}

#[test]
fn the_push_routes_are_the_visitors_and_the_keys() {
    use crate::route::{route, Route};
    use confab_protocol::ThreadId;
    let thread = ThreadId::new("AAAAAAAAAAAAAAAAAAAAAA");
    let path = format!("/v1/threads/{thread}/push");
    assert_eq!(route("GET", "/v1/push/key"), Ok(Route::PushKey));
    assert_eq!(
        route("POST", &path),
        Ok(Route::PushSubscribe(thread.clone()))
    );
    assert_eq!(
        route("GET", &path),
        Ok(Route::PushSubscriptions(thread.clone()))
    );
    assert_eq!(route("DELETE", &path), Ok(Route::PushUnsubscribe(thread)));
    assert_eq!(
        route("PUT", &path).map_err(|error| error.code().to_string()),
        Err("method_not_allowed".to_string())
    );
    assert_eq!(
        route("POST", "/v1/threads/short/push").map_err(|error| error.code().to_string()),
        Err("not_found".to_string())
    );
}
