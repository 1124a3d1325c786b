//! Replies by email through the real relay on workerd (`wrangler dev`), with the runtime's
//! own `send_email` simulation (the raw messages it writes, read by `confab_e2e::mailbox`)
//! and its `/cdn-cgi/handler/email`, which runs the Worker's `email` handler on raw MIME:
//! the address is verified by the link of the email sent, once; a burst of team replies
//! unseen past the brand's delay is emailed once (quick replies as lines under their
//! message), with its headers, a working continue link and one-click unsubscribe; a reply
//! email joins the thread once however often it is delivered; a forged reference or a
//! spoofed sender adds nothing; unsubscribe and erasure remove the address.

use confab_e2e::api::Api;
use confab_e2e::mailbox::{self, unique_address, SentEmail};
use confab_e2e::{eventually, Relay};
use confab_protocol::api::{EmailStatus, EmailVerification};
use confab_protocol::{Author, Channel, Message, Session};
use serde_json::json;

/// The brand's delay in these tests: two seconds, so a burst of two replies sent together
/// falls within it and nothing waits long.
const DELAY_SECONDS: u32 = 2;

/// The brand's email settings.
fn email_settings() -> serde_json::Value {
    json!({
        "from": "support@acme.example",
        "fromName": "Acme Support",
        "replyDomain": "reply.acme.example",
        "page": "http://127.0.0.1:9/help",
        "delaySeconds": DELAY_SECONDS,
    })
}

async fn email_relay() -> (Relay, Api, String) {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let status = api
        .put_brand(
            "demo",
            json!({
                "name": "Acme Outdoor",
                "allowedOrigins": ["http://127.0.0.1:*"],
                "email": email_settings(),
            }),
        )
        .await;
    assert_eq!(status, 200);
    let key = api.agent_key("demo").await;
    (relay, api, key)
}

/// `POST /v1/threads/{id}/email`: status and body.
async fn ask(api: &Api, session: &Session, address: &str, language: &str) -> (u16, String) {
    let response = api
        .http
        .post(api.url(&format!("/v1/threads/{}/email", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .json(&json!({ "address": address, "language": language }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A page link followed as a browser would (GET, redirects not followed): status, body
/// and `Location`.
async fn follow(url: &str, method: reqwest::Method) -> (u16, String, Option<String>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.request(method.clone(), url);
    if method == reqwest::Method::POST {
        request = request
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click");
    }
    let response = request.send().await.unwrap();
    let location = response
        .headers()
        .get("Location")
        .map(|value| value.to_str().unwrap().to_string());
    (
        response.status().as_u16(),
        response.text().await.unwrap(),
        location,
    )
}

/// Hands a raw email to the Worker's `email` handler; returns miniflare's status and text.
/// (With the pinned wrangler, 4.86, a rejection by a workers-rs handler does not reach
/// this status: `setReject` crosses RPC there. What a test checks is the thread.)
async fn deliver_email(api: &Api, from: &str, to: &str, raw: &str) -> (u16, String) {
    let response = api
        .http
        .post(api.url("/cdn-cgi/handler/email"))
        .query(&[("from", from), ("to", to)])
        .body(raw.to_string())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A reply as Gmail writes it: the visitor's text above the quoted email.
fn reply_mime(from: &str, to: &str, message_id: &str, text: &str) -> String {
    format!(
        "From: Anna Lee <{from}>\r\n\
         To: {to}\r\n\
         Subject: Re: New reply from Acme Outdoor\r\n\
         Message-ID: <{message_id}>\r\n\
         Date: Thu, 3 Dec 2026 11:05:00 +0000\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=UTF-8\r\n\
         \r\n\
         {text}\r\n\
         \r\n\
         On Thu, Dec 3, 2026 at 11:02 AM Acme Support <support@acme.example> wrote:\r\n\
         \r\n\
         > Second reply: it ships tomorrow.\r\n"
    )
}

async fn email_status(api: &Api, session: &Session) -> Option<EmailStatus> {
    api.resume("demo", session.token.as_str()).await.email
}

fn from_email(history: &[Message]) -> Vec<(Author, String)> {
    history
        .iter()
        .filter(|message| message.channel == Channel::Email)
        .map(|message| (message.author, message.text.clone()))
        .collect()
}

#[tokio::test]
async fn replies_go_by_email_and_come_back_from_it() {
    let (_relay, api, key) = email_relay().await;
    let session = api.session().await;
    assert!(session.brand.email, "the profile offers email");
    assert_eq!(session.email, None);
    let address = unique_address("anna");

    // Asked: kept unverified, and a verification email (with no conversation in it) goes.
    let (status, body) = ask(&api, &session, &address, "en-GB").await;
    assert_eq!(status, 202, "{body}");
    let pending: EmailStatus = serde_json::from_str(&body).unwrap();
    assert_eq!(pending.state, EmailVerification::Pending);
    assert!(pending.address.starts_with("a***@"), "{}", pending.address);
    assert_eq!(email_status(&api, &session).await, Some(pending.clone()));
    let sent = mailbox::wait_for(&address, 1).await;
    let verification = &sent[0];
    assert_eq!(verification.subject, "Confirm your email for Acme Outdoor");
    assert_eq!(verification.from, "support@acme.example");
    assert_eq!(verification.reply_to, None);
    let verify_link = verification
        .link(&api.url("/v1/email/verify?"))
        .expect("a verification link");

    // An agent reply before verification is not emailed (the address is not known to be
    // the visitor's); a reply sent after verification shows that nothing queued meanwhile.
    let (status, _) = api
        .agent_send(
            &key,
            &session.thread_id,
            "agent-early",
            "Before you verified",
        )
        .await;
    assert_eq!(status, 201);

    // The link works once.
    let (status, page, _) = follow(&verify_link, reqwest::Method::GET).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(&format!("You&#39;ll get replies at {address}.")),
        "{page}"
    );
    let (status, _, _) = follow(&verify_link, reqwest::Method::GET).await;
    assert_eq!(status, 410, "a verification link works once");
    let verified = email_status(&api, &session).await.expect("an address");
    assert_eq!(verified.state, EmailVerification::Verified);
    let notices = from_email(&api.history(&session).await);
    assert_eq!(
        notices,
        vec![(
            Author::System,
            format!("Replies will be emailed to {address}")
        )],
        "the thread (and its transcript) shows the address"
    );

    // A burst of two replies, unseen: one email with both, after the delay. The second
    // offers quick replies, which an email shows as lines under its text.
    let (status, message) = api
        .agent_send(
            &key,
            &session.thread_id,
            "agent-1",
            "First reply: we have it in blue.",
        )
        .await;
    assert_eq!(status, 201, "{message}");
    let with_replies = api
        .http
        .post(api.url(&format!("/v1/agent/threads/{}/messages", session.thread_id)))
        .bearer_auth(&key)
        .json(&json!({
            "clientId": "agent-2",
            "text": "Second reply: it ships tomorrow.",
            "replies": ["Track my parcel", "Blue & <green>"],
        }))
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(with_replies.status(), 201);
    let sent = mailbox::wait_for(&address, 2).await;
    let burst = &sent[1];
    let text = burst.text.replace("\r\n", "\n");
    assert!(
        text.contains(
            "First reply: we have it in blue.\n\n\
             Acme Outdoor:\nSecond reply: it ships tomorrow.\n\n\
             • Track my parcel\n• Blue & <green>\n"
        ),
        "the replies as lines under their message's text only: {text}"
    );
    let html = burst.html.as_deref().expect("an HTML part");
    assert!(
        html.contains("<li>Track my parcel</li><li>Blue &amp; &lt;green&gt;</li>"),
        "{html}"
    );
    assert_eq!(burst.subject, "New reply from Acme Outdoor");
    assert!(
        burst.text.contains("First reply: we have it in blue."),
        "{}",
        burst.text
    );
    assert!(
        burst.text.contains("Second reply: it ships tomorrow."),
        "{}",
        burst.text
    );
    assert!(
        !burst.text.contains("Before you verified"),
        "what came before the address was given is not emailed"
    );
    check_headers(burst, &api);

    // A third reply later: its own email, with only itself. Emails of a thread go in
    // order, one at a time, so a second email for the burst would have come before it.
    let (status, _) = api
        .agent_send(
            &key,
            &session.thread_id,
            "agent-3",
            "Third reply: tracking number 42.",
        )
        .await;
    assert_eq!(status, 201);
    let sent = mailbox::wait_for(&address, 3).await;
    assert_eq!(sent.len(), 3, "one email per burst: {sent:?}");
    assert!(sent[2].text.contains("Third reply"));
    assert!(!sent[2].text.contains("First reply"));

    // "Continue the conversation": the brand's page with a fresh resume code, which opens
    // this thread.
    let continue_link = burst
        .link(&api.url("/v1/email/continue?"))
        .expect("a continue link");
    let (status, _, location) = follow(&continue_link, reqwest::Method::GET).await;
    assert_eq!(status, 303);
    let location = url::Url::parse(&location.expect("a redirect")).unwrap();
    assert_eq!(
        location.origin().ascii_serialization(),
        "http://127.0.0.1:9"
    );
    assert_eq!(location.path(), "/help");
    let code = location
        .query_pairs()
        .find(|(key, _)| key == "confab-resume")
        .map(|(_, code)| code.into_owned())
        .expect("a resume code");
    let (status, resumed) = api
        .post_session(json!({ "brand": "demo", "link": code }))
        .await;
    assert_eq!(status, 200, "{resumed}");
    assert_eq!(resumed["threadId"], session.thread_id.as_str());

    // The visitor answers by email: the text above the quote joins the thread, as the
    // visitor's, from email; the same email delivered again adds nothing.
    let reply_to = burst.reply_to.clone().expect("a Reply-To");
    let raw = reply_mime(
        &address,
        &reply_to,
        "CAF-reply-1@mail.example",
        "Blue it is, thanks!",
    );
    for _ in 0..2 {
        let (status, text) = deliver_email(&api, &address, &reply_to, &raw).await;
        assert_eq!(status, 200, "{text}");
    }
    let history = api.history(&session).await;
    let visitor_by_email: Vec<&Message> = history
        .iter()
        .filter(|message| message.author == Author::Visitor && message.channel == Channel::Email)
        .collect();
    assert_eq!(visitor_by_email.len(), 1, "{history:?}");
    assert_eq!(visitor_by_email[0].text, "Blue it is, thanks!");

    // A forged reference, or the right one from another sender, adds nothing.
    let (local, domain) = reply_to.split_once('@').unwrap();
    let (reference, signature) = local.rsplit_once('-').unwrap();
    let flipped: String = signature
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    let forged = format!("{reference}-{flipped}@{domain}");
    let raw = reply_mime(
        &address,
        &forged,
        "CAF-forged@mail.example",
        "Forged reference",
    );
    deliver_email(&api, &address, &forged, &raw).await;
    let spoofer = "mallory@example.com";
    let raw = reply_mime(
        spoofer,
        &reply_to,
        "CAF-spoofed@mail.example",
        "Spoofed sender",
    );
    deliver_email(&api, spoofer, &reply_to, &raw).await;
    let texts = api.history_texts(&session).await;
    assert!(
        !texts
            .iter()
            .any(|text| text == "Forged reference" || text == "Spoofed sender"),
        "{texts:?}"
    );

    // One-click unsubscribe (RFC 8058) removes the address: the thread says so, the
    // session shows none, and a reply from the old address is refused.
    let unsubscribe = burst
        .link(&api.url("/v1/email/unsubscribe?"))
        .expect("an unsubscribe link");
    let (status, page, _) = follow(&unsubscribe, reqwest::Method::GET).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<form method=\"post\""),
        "a page with a button: {page}"
    );
    assert!(
        email_status(&api, &session).await.is_some(),
        "GET changes nothing"
    );
    let (status, page, _) = follow(&unsubscribe, reqwest::Method::POST).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(email_status(&api, &session).await, None);
    let history = api.history(&session).await;
    assert_eq!(
        history.last().map(|message| message.text.as_str()),
        Some("Replies are no longer emailed")
    );
    let raw = reply_mime(
        &address,
        &reply_to,
        "CAF-after@mail.example",
        "After unsubscribing",
    );
    deliver_email(&api, &address, &reply_to, &raw).await;
    let texts = api.history_texts(&session).await;
    assert!(
        !texts.iter().any(|text| text == "After unsubscribing"),
        "{texts:?}"
    );
    let (status, _, _) = follow(&continue_link, reqwest::Method::GET).await;
    assert_eq!(status, 410, "links of a removed address no longer work");
}

/// The replies email's headers: sender, reply address, one-click unsubscribe.
fn check_headers(email: &SentEmail, api: &Api) {
    assert_eq!(email.from, "support@acme.example");
    let reply_to = email.reply_to.as_deref().expect("a Reply-To");
    assert!(
        reply_to.starts_with("reply+") && reply_to.ends_with("@reply.acme.example"),
        "{reply_to}"
    );
    assert!(reply_to.split('@').next().unwrap().len() <= 64);
    let unsubscribe = email.list_unsubscribe.as_deref().expect("List-Unsubscribe");
    assert!(
        unsubscribe.starts_with(&format!("<{}", api.url("/v1/email/unsubscribe?")))
            && unsubscribe.ends_with('>'),
        "{unsubscribe}"
    );
    assert_eq!(
        email.list_unsubscribe_post.as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let html = email.html.as_deref().expect("an HTML part");
    assert!(html.contains("Continue the conversation"), "{html}");
}

#[tokio::test]
async fn requests_are_checked_limited_and_erased_with_the_thread() {
    let (_relay, api, key) = email_relay().await;
    let session = api.session().await;

    for bad in ["not an address", "anna@localhost", "<anna@example.com>"] {
        let (status, body) = ask(&api, &session, bad, "en").await;
        assert_eq!(status, 400, "{bad}: {body}");
    }

    // Each address gets its verification email, in the thread's language; only the latest
    // address can be verified. Three requests an hour per thread; the fourth is refused.
    let addresses: Vec<String> = (0..4).map(|n| unique_address(&format!("bo{n}"))).collect();
    let mut links = Vec::new();
    for address in &addresses[..3] {
        let (status, body) = ask(&api, &session, address, "zh-CN").await;
        assert_eq!(status, 202, "{body}");
        let sent = mailbox::wait_for(address, 1).await;
        assert_eq!(sent[0].subject, "确认您的邮箱 - Acme Outdoor");
        links.push(sent[0].link(&api.url("/v1/email/verify?")).expect("a link"));
    }
    let (status, body) = ask(&api, &session, &addresses[3], "zh-CN").await;
    assert_eq!(status, 429, "{body}");
    let (status, _, _) = follow(&links[0], reqwest::Method::GET).await;
    assert_eq!(status, 410, "an earlier address's link");
    let link = links[2].clone();
    let (status, page, _) = follow(&link, reqwest::Method::GET).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("回复将发送到 {}", addresses[2])),
        "{page}"
    );

    // A tampered link is refused.
    let tampered = link.replace("&s=", "&s=A");
    let (status, _, _) = follow(&tampered, reqwest::Method::GET).await;
    assert_eq!(status, 410);

    // The visitor removes it: the session shows none.
    let response = api
        .http
        .delete(api.url(&format!("/v1/threads/{}/email", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(email_status(&api, &session).await, None);

    // Erasure forgets the address of another thread with everything else: its links and
    // reply address stop working.
    let other = api.session().await;
    let address = unique_address("cy");
    let (status, _) = ask(&api, &other, &address, "en").await;
    assert_eq!(status, 202);
    let link = mailbox::wait_for(&address, 1).await[0]
        .link(&api.url("/v1/email/verify?"))
        .expect("a link");
    let (status, _, _) = follow(&link, reqwest::Method::GET).await;
    assert_eq!(status, 200);
    let (status, _) = api
        .agent_send(&key, &other.thread_id, "agent-x", "Before erasure")
        .await;
    assert_eq!(status, 201);
    let reply_to = mailbox::wait_for(&address, 2).await[1]
        .reply_to
        .clone()
        .expect("a Reply-To");
    assert_eq!(api.erase(&other).await, 204);
    let raw = reply_mime(
        &address,
        &reply_to,
        "CAF-erased@mail.example",
        "After erasure",
    );
    // Handed to the handler all the same; the thread, erased, takes nothing.
    deliver_email(&api, &address, &reply_to, &raw).await;
    eventually(5, || async {
        match api.thread_status(&other).await {
            410 => Ok(()),
            other => Err(format!("the erased thread answers {other}")),
        }
    })
    .await;
}
