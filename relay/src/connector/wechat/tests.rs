//! Tests of the WeChat connector, from documentation-shaped fixtures.

use super::*;

const TOKEN: &str = "wechat-hook-token";
const ENCODING_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APP_ID: &str = "wx5823bf96d3bd56c7";
const OPEN_ID: &str = "oia2TjjewbmiOUlr6X-1crbLOvLw";
const ACCOUNT: &str = "gh_7f083739789a";
const NOW_MS: u64 = 1_795_000_100_000;

fn fixture(name: &str) -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/wechat/");
    std::fs::read(format!("{dir}{name}.xml")).unwrap()
}

fn signed_query(timestamp: &str, nonce: &str) -> String {
    format!(
        "signature={}&timestamp={timestamp}&nonce={nonce}&openid={OPEN_ID}",
        crypto::signature(TOKEN, timestamp, nonce)
    )
}

#[test]
fn reads_the_fixtures() {
    let cases = [
        (
            "text",
            Inbound::Text {
                account: ACCOUNT.into(),
                open_id: OPEN_ID.into(),
                msg_id: "24602150061845683".into(),
                text: "蓝色的帐篷有货吗？".into(),
                sent_at: 1_795_000_060_000,
            },
        ),
        (
            "subscribe-scene",
            Inbound::Scanned {
                account: ACCOUNT.into(),
                open_id: OPEN_ID.into(),
                scene: "LINK-7K2Q9XM4HV8RT".into(),
                sent_at: 1_795_000_000_000,
            },
        ),
        (
            "scan",
            Inbound::Scanned {
                account: ACCOUNT.into(),
                open_id: OPEN_ID.into(),
                scene: "LINK-7K2Q9XM4HV8RT".into(),
                sent_at: 1_795_000_000_000,
            },
        ),
        (
            "subscribe",
            Inbound::Other {
                account: ACCOUNT.into(),
                open_id: OPEN_ID.into(),
            },
        ),
        (
            "image",
            Inbound::Image {
                account: ACCOUNT.into(),
                open_id: OPEN_ID.into(),
                msg_id: "24602150061845684".into(),
                media_id: "media_id".into(),
                sent_at: 1_795_000_120_000,
            },
        ),
    ];
    for (name, expected) in cases {
        assert_eq!(read_message(&fixture(name)).unwrap(), expected, "{name}");
        assert_eq!(expected.account(), ACCOUNT);
    }
}

#[test]
fn odd_messages_read_safely() {
    let body = |inner: &str| {
        format!("<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>{inner}</xml>")
    };
    for (inner, expected_kind) in [
        ("<MsgType>text</MsgType><Content>hi</Content>", "other"),
        ("<MsgType>text</MsgType><MsgId>1</MsgId>", "other"),
        ("<MsgType>text</MsgType><MsgId>1</MsgId><Content>hi</Content><CreateTime>soon</CreateTime>", "text"),
        ("<MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_</EventKey>", "other"),
        ("<MsgType>event</MsgType><Event>SCAN</Event><EventKey></EventKey>", "other"),
        ("<MsgType>event</MsgType><Event>unsubscribe</Event>", "other"),
        ("<MsgType>event</MsgType><Event>SCAN</Event><EventKey>x</EventKey>", "scanned"),
        ("<MsgType>image</MsgType><MsgId>1</MsgId><MediaId>m</MediaId>", "image"),
        ("<MsgType>image</MsgType><MsgId>1</MsgId><MediaId></MediaId>", "other"),
        ("<MsgType>image</MsgType><MediaId>m</MediaId>", "other"),
    ] {
        let read = read_message(body(inner).as_bytes()).unwrap();
        let kind = match read {
            Inbound::Text { sent_at, .. } => {
                assert_eq!(sent_at, 0, "an unreadable time reads as unknown");
                "text"
            }
            Inbound::Scanned { .. } => "scanned",
            Inbound::Image { .. } => "image",
            Inbound::Other { .. } => "other",
        };
        assert_eq!(kind, expected_kind, "{inner}");
    }
    assert!(read_message(b"<xml><FromUserName>o</FromUserName></xml>").is_err());
    assert!(read_message(b"<xml><ToUserName>g</ToUserName></xml>").is_err());
    assert!(read_message(b"{\"json\":true}").is_err());
}

#[test]
fn plain_hooks_need_a_fresh_signature() {
    let now_s = (NOW_MS / 1000).to_string();
    let good = signed_query(&now_s, "1714036504");
    assert!(open(TOKEN, None, &good, &fixture("text"), NOW_MS).is_ok());
    // Another token, a changed nonce, a stale or future time, a repeated parameter.
    assert!(open("other", None, &good, &fixture("text"), NOW_MS).is_err());
    let forged = good.replace("nonce=1714036504", "nonce=1714036505");
    assert!(open(TOKEN, None, &forged, &fixture("text"), NOW_MS).is_err());
    for skew in [-(MAX_SKEW_SECONDS as i64) - 1, MAX_SKEW_SECONDS as i64 + 1] {
        let at = ((NOW_MS / 1000) as i64 + skew).to_string();
        let query = signed_query(&at, "n");
        assert!(
            open(TOKEN, None, &query, &fixture("text"), NOW_MS).is_err(),
            "{skew}"
        );
    }
    let at_edge = ((NOW_MS / 1000) - MAX_SKEW_SECONDS).to_string();
    assert!(open(
        TOKEN,
        None,
        &signed_query(&at_edge, "n"),
        &fixture("text"),
        NOW_MS
    )
    .is_ok());
    let repeated = format!("{good}&signature=abc");
    assert!(open(TOKEN, None, &repeated, &fixture("text"), NOW_MS).is_err());
    assert!(open(TOKEN, None, "", &fixture("text"), NOW_MS).is_err());
    // An empty token signs nothing.
    let empty = format!(
        "signature={}&timestamp={now_s}&nonce=n",
        crypto::signature("", &now_s, "n")
    );
    assert!(open("", None, &empty, &fixture("text"), NOW_MS).is_err());
    // A good signature over a body that is not XML.
    assert!(matches!(
        open(TOKEN, None, &good, b"<xml>", NOW_MS),
        Err(RelayError::MalformedXml(_))
    ));
}

#[test]
fn the_handshake_echoes_only_with_the_right_signature() {
    let now_s = (NOW_MS / 1000).to_string();
    let query = format!("{}&echostr=5839201840", signed_query(&now_s, "n1"));
    assert_eq!(handshake(TOKEN, &query, NOW_MS).unwrap(), "5839201840");
    assert!(handshake("wrong", &query, NOW_MS).is_err());
    assert!(handshake(TOKEN, &signed_query(&now_s, "n1"), NOW_MS).is_err());
    let upper = query.replace(
        &crypto::signature(TOKEN, &now_s, "n1"),
        &crypto::signature(TOKEN, &now_s, "n1").to_ascii_uppercase(),
    );
    assert!(handshake(TOKEN, &upper, NOW_MS).is_ok());
}

/// A safe-mode delivery of `message`, as WeChat would POST it: the query and the body.
fn sealed(message: &[u8], random: [u8; 16], timestamp: &str) -> (String, String) {
    let key = crypto::AesKey::from_encoding_key(ENCODING_KEY).unwrap();
    let encrypted = crypto::encrypt(&key, random, message, APP_ID);
    let body = format!(
        "<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    );
    let query = format!(
        "signature={}&timestamp={timestamp}&nonce=77&openid={OPEN_ID}&encrypt_type=aes&msg_signature={}",
        crypto::signature(TOKEN, timestamp, "77"),
        crypto::msg_signature(TOKEN, timestamp, "77", &encrypted)
    );
    (query, body)
}

#[test]
fn safe_mode_checks_the_message_signature_and_decrypts() {
    let key = crypto::AesKey::from_encoding_key(ENCODING_KEY).unwrap();
    let safe = || {
        Some(SafeMode {
            key: &key,
            app_id: APP_ID,
        })
    };
    let now_s = (NOW_MS / 1000).to_string();
    for name in ["text", "subscribe-scene", "scan"] {
        let (query, body) = sealed(&fixture(name), [3; 16], &now_s);
        assert_eq!(
            open(TOKEN, safe(), &query, body.as_bytes(), NOW_MS).unwrap(),
            read_message(&fixture(name)).unwrap(),
            "{name}"
        );
        // Another account's key, a forged msg_signature, a plain body, or no encrypt_type.
        let other = crypto::AesKey::from_encoding_key(&"B".repeat(43)).unwrap();
        let wrong = Some(SafeMode {
            key: &other,
            app_id: APP_ID,
        });
        assert!(open(TOKEN, wrong, &query, body.as_bytes(), NOW_MS).is_err());
        let other_app = Some(SafeMode {
            key: &key,
            app_id: "wx0000000000000000",
        });
        assert!(open(TOKEN, other_app, &query, body.as_bytes(), NOW_MS).is_err());
        let forged = query.replace("msg_signature=", "msg_signature=0");
        assert!(open(TOKEN, safe(), &forged, body.as_bytes(), NOW_MS).is_err());
        assert!(open(TOKEN, safe(), &query, &fixture(name), NOW_MS).is_err());
        let plain = query.replace("encrypt_type=aes", "encrypt_type=raw");
        assert!(open(TOKEN, safe(), &plain, body.as_bytes(), NOW_MS).is_err());
        // The plain signature alone does not open a safe-mode body.
        let unsealed = signed_query(&now_s, "77");
        assert!(open(TOKEN, safe(), &unsealed, body.as_bytes(), NOW_MS).is_err());
    }
    // A body whose Encrypt was swapped for another message's fails its msg_signature.
    let (query, _) = sealed(&fixture("text"), [3; 16], &now_s);
    let (_, other_body) = sealed(&fixture("scan"), [3; 16], &now_s);
    assert!(open(TOKEN, safe(), &query, other_body.as_bytes(), NOW_MS).is_err());
}

#[test]
fn settings_are_checked() {
    let good = WechatSettings {
        app_id: APP_ID.into(),
        app_secret: "DEMO_WECHAT_SECRET".into(),
        token: "DEMO_WECHAT_TOKEN".into(),
        encoding_aes_key: Some("DEMO_WECHAT_AES_KEY".into()),
        template_id: Some("ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY".into()),
        original_id: ACCOUNT.into(),
    };
    assert_eq!(good.validate(), Ok(()));
    let json = serde_json::to_value(&good).unwrap();
    assert_eq!(json["encodingAesKey"], "DEMO_WECHAT_AES_KEY");
    assert_eq!(json["originalId"], ACCOUNT);
    let plain = WechatSettings {
        encoding_aes_key: None,
        template_id: None,
        ..good.clone()
    };
    assert_eq!(plain.validate(), Ok(()));
    type Change = fn(&mut WechatSettings);
    let broken: [(&str, Change); 6] = [
        ("appId", |s| s.app_id = "5823bf96".into()),
        ("originalId", |s| s.original_id = "7f083739789a".into()),
        ("appSecret", |s| s.app_secret = "a real secret".into()),
        ("token", |s| s.token = "lower".into()),
        ("encodingAesKey", |s| {
            s.encoding_aes_key = Some(ENCODING_KEY.into())
        }),
        ("templateId", |s| s.template_id = Some("a b".into())),
    ];
    for (field, change) in broken {
        let mut settings = good.clone();
        change(&mut settings);
        let error = settings.validate().unwrap_err();
        assert!(error.contains(field), "{field}: {error}");
    }
}

#[test]
fn builds_the_api_calls() {
    let base = "http://127.0.0.1:9/";
    assert_eq!(
        stable_token_url(base),
        "http://127.0.0.1:9/cgi-bin/stable_token"
    );
    assert_eq!(
        custom_send_url(base, "tok+en/="),
        "http://127.0.0.1:9/cgi-bin/message/custom/send?access_token=tok%2Ben%2F%3D"
    );
    assert!(template_send_url(base, "t").ends_with("/cgi-bin/message/template/send?access_token=t"));
    assert!(qr_create_url(base, "t").ends_with("/cgi-bin/qrcode/create?access_token=t"));
    let token: serde_json::Value =
        serde_json::from_str(&stable_token_request(APP_ID, "s3cret", false)).unwrap();
    assert_eq!(
        token,
        json!({"grant_type": "client_credential", "appid": APP_ID, "secret": "s3cret", "force_refresh": false})
    );
    let text: serde_json::Value =
        serde_json::from_str(&custom_text(OPEN_ID, "<b>你好</b>")).unwrap();
    assert_eq!(
        text,
        json!({"touser": OPEN_ID, "msgtype": "text", "text": {"content": "<b>你好</b>"}})
    );
    let long: serde_json::Value =
        serde_json::from_str(&custom_text(OPEN_ID, &"蓝".repeat(5000))).unwrap();
    let content = long["text"]["content"].as_str().unwrap();
    assert!(content.len() <= 2048 && content.chars().count() == MAX_TEXT_CHARS);
    let template: serde_json::Value =
        serde_json::from_str(&template_message(OPEN_ID, "tpl1", "Sorry for the wait")).unwrap();
    assert_eq!(template["template_id"], "tpl1");
    assert_eq!(template["data"]["content"]["value"], "Sorry for the wait");
    let qr: serde_json::Value = serde_json::from_str(&qr_request("LINK-7K2Q9XM4HV8RT")).unwrap();
    assert_eq!(
        qr,
        json!({"expire_seconds": 1800, "action_name": "QR_STR_SCENE",
               "action_info": {"scene": {"scene_str": "LINK-7K2Q9XM4HV8RT"}}})
    );
}

#[test]
fn reads_the_answers() {
    assert_eq!(
        read_send_answer(200, r#"{"errcode":0,"errmsg":"ok"}"#),
        Ok(())
    );
    assert_eq!(
        read_send_answer(200, r#"{"errcode":0,"errmsg":"ok","msgid":200228332}"#),
        Ok(())
    );
    for code in [40001, 42001, 40014] {
        let body = format!(r#"{{"errcode":{code},"errmsg":"invalid credential"}}"#);
        assert_eq!(
            read_send_answer(200, &body),
            Err(ApiError::StaleToken),
            "{code}"
        );
        assert_eq!(
            read_qr_answer(200, &body),
            Err(ApiError::StaleToken),
            "{code}"
        );
    }
    let failed = |body: &str| match read_send_answer(200, body) {
        Err(ApiError::Failed(delivery)) => delivery,
        other => panic!("{body}: {other:?}"),
    };
    assert_eq!(
        failed(
            r#"{"errcode":45015,"errmsg":"response out of time limit or subscription is canceled"}"#
        ),
        Delivery::refused(
            FailureReason::WindowClosed,
            "WeChat 45015: response out of time limit or subscription is canceled"
        )
    );
    assert!(matches!(
        failed(r#"{"errcode":45047,"errmsg":"out of response count limit"}"#),
        Delivery::Retry {
            after_seconds: Some(60),
            ..
        }
    ));
    assert!(matches!(
        failed(r#"{"errcode":-1,"errmsg":"system error"}"#),
        Delivery::Retry {
            after_seconds: None,
            ..
        }
    ));
    assert!(matches!(
        failed(r#"{"errcode":45009,"errmsg":"reach max api daily quota limit"}"#),
        Delivery::RateLimited { .. }
    ));
    assert!(
        matches!(failed(r#"{"errcode":48001,"errmsg":"api unauthorized"}"#), Delivery::Refused { failure } if failure.reason == FailureReason::NotConfigured)
    );
    assert!(
        matches!(failed(r#"{"errcode":40003,"errmsg":"invalid openid"}"#), Delivery::Refused { failure } if failure.reason == FailureReason::ProviderRejected)
    );
    // HTTP trouble, redirects and answers that are not JSON.
    assert!(matches!(
        read_send_answer(503, "Bad Gateway"),
        Err(ApiError::Failed(Delivery::Retry { .. }))
    ));
    assert!(matches!(
        read_send_answer(200, "<html>"),
        Err(ApiError::Failed(Delivery::Retry { .. }))
    ));
    assert!(matches!(
        read_send_answer(302, r#"{"errcode":0}"#),
        Err(ApiError::Failed(Delivery::Refused { failure })) if failure.reason == FailureReason::Redirected
    ));
    // The token's answer.
    assert_eq!(
        read_token_answer(200, r#"{"access_token":"ACCESS","expires_in":7200}"#, 1_000),
        Ok(AccessToken {
            token: "ACCESS".into(),
            expires_at: 7_201_000
        })
    );
    assert!(read_token_answer(200, r#"{"expires_in":7200}"#, 0).is_err());
    assert!(
        read_token_answer(200, r#"{"errcode":40125,"errmsg":"invalid appsecret"}"#, 0).is_err()
    );
    let token = AccessToken {
        token: "t".into(),
        expires_at: 7_200_000,
    };
    assert!(token.fresh(0));
    assert!(!token.fresh(7_200_000 - REFRESH_AHEAD_MS));
    // The QR code's answer.
    assert_eq!(
        read_qr_answer(200, r#"{"ticket":"gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==","expire_seconds":1800,"url":"http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI"}"#),
        Ok(QrCode {
            ticket: "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==".into(),
            url: "http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI".into(),
        })
    );
    assert!(read_qr_answer(200, r#"{"ticket":"t","url":"javascript:alert(1)"}"#).is_err());
}

#[test]
fn the_greeting_speaks_the_visitors_language() {
    for (language, chinese) in [
        (Some("zh-CN"), true),
        (Some("zh_TW"), true),
        (Some("ZH"), true),
        (Some("zhx"), false),
        (Some("en-US"), false),
        (None, false),
    ] {
        let greeting = linked_greeting("Acme", language);
        assert!(greeting.contains("Acme"), "{greeting}");
        assert_eq!(greeting.contains("已连接"), chinese, "{language:?}");
    }
}

#[test]
fn media_calls_carry_the_token_and_read_their_answers() {
    let get = media_get_url("https://api.example/", "T&1", "m 1");
    assert_eq!(
        get,
        "https://api.example/cgi-bin/media/get?access_token=T%261&media_id=m+1"
    );
    assert_eq!(
        media_upload_url("https://api.example", "T"),
        "https://api.example/cgi-bin/media/upload?access_token=T&type=image"
    );
    assert_eq!(
        read_upload_answer(200, r#"{"type":"image","media_id":"M9","created_at":1}"#),
        Ok("M9".to_string())
    );
    assert_eq!(
        read_upload_answer(200, r#"{"errcode":42001,"errmsg":"access_token expired"}"#),
        Err(ApiError::StaleToken)
    );
    assert!(matches!(
        read_upload_answer(200, r#"{"errcode":40004,"errmsg":"invalid media type"}"#),
        Err(ApiError::Failed(Delivery::Refused { .. }))
    ));
    assert!(matches!(
        read_upload_answer(200, r#"{"type":"image"}"#),
        Err(ApiError::Failed(Delivery::Retry { .. }))
    ));
    assert_eq!(
        read_media_error(200, r#"{"errcode":40001,"errmsg":"invalid credential"}"#),
        ApiError::StaleToken
    );
    assert!(matches!(
        read_media_error(200, r#"{"errcode":40007,"errmsg":"invalid media_id"}"#),
        ApiError::Failed(Delivery::Refused { .. })
    ));
    assert!(is_error_answer("application/json; charset=UTF-8"));
    assert!(is_error_answer("text/plain"));
    assert!(!is_error_answer("image/jpeg"));
    let image: serde_json::Value = serde_json::from_str(&custom_image("o1", "M9")).unwrap();
    assert_eq!(
        image,
        serde_json::json!({"touser":"o1","msgtype":"image","image":{"media_id":"M9"}})
    );
    assert_eq!(image_name("2460/21", "image/png"), "wechat-246021.png");
}

#[test]
fn only_small_photos_of_wechat_s_types_go_as_images() {
    let file = |content_type: &str, size: u64| confab_protocol::Attachment {
        id: confab_protocol::AttachmentId::new("a1"),
        name: "x".into(),
        content_type: content_type.into(),
        declared_type: content_type.into(),
        size,
        width: None,
        height: None,
        url: None,
    };
    assert!(sends_as_image(&file("image/jpeg", MAX_IMAGE_BYTES)));
    assert!(sends_as_image(&file("image/png", 1)));
    assert!(!sends_as_image(&file("image/jpeg", MAX_IMAGE_BYTES + 1)));
    assert!(!sends_as_image(&file("image/webp", 1)));
    assert!(!sends_as_image(&file("application/pdf", 1)));
}

#[test]
fn inbound_messages_travel_through_the_queue_as_json() {
    let image = Inbound::Image {
        account: ACCOUNT.into(),
        open_id: OPEN_ID.into(),
        msg_id: "1".into(),
        media_id: "m".into(),
        sent_at: 5,
    };
    let json = serde_json::to_value(&image).unwrap();
    assert_eq!(json["kind"], "image");
    assert_eq!(serde_json::from_value::<Inbound>(json).unwrap(), image);
}
