//! The agent REST API, as a brand's backend uses it: list the brand's threads, read one,
//! answer, and mark the visitor's messages read — and nothing of another brand's.

use confab_e2e::api::Api;
use confab_e2e::{eventually, Relay};
use confab_protocol::{AgentThread, DeliveryStatus, ThreadList};
use serde_json::json;

#[tokio::test]
async fn a_brands_backend_lists_reads_answers_and_marks_read_its_own_threads_only() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let first = api.session_of("demo").await;
    let second = api.session_of("demo").await;
    let other_brand = api.session_of("bench").await;
    api.send(&first, "a1", "first thread").await;
    api.send(&other_brand, "c1", "another brand's").await;
    api.send(&second, "b1", "second thread").await;
    let key = api.agent_key("demo").await;

    // Latest activity first; another brand's thread is not there.
    let list: ThreadList = eventually(20, || async {
        let (status, body) = api.agent_get(&key, "/v1/agent/threads").await;
        let list: ThreadList = serde_json::from_value(body).map_err(|e| e.to_string())?;
        let texts: Vec<_> = list.threads.iter().map(|t| t.last_text.clone()).collect();
        if status == 200 && texts == [Some("second thread".into()), Some("first thread".into())] {
            Ok(list)
        } else {
            Err(format!("{status}: {texts:?}"))
        }
    })
    .await;
    assert_eq!(list.threads[0].thread_id, second.thread_id);
    let (status, _) = api.agent_get(&key, "/v1/agent/threads?limit=0").await;
    assert_eq!(status, 400);
    let (status, _) = api.agent_get("ck_not-a-key", "/v1/agent/threads").await;
    assert_eq!(status, 401);

    // One thread, read and answered.
    let path = format!("/v1/agent/threads/{}", first.thread_id);
    let (status, body) = api.agent_get(&key, &path).await;
    assert_eq!(status, 200, "{body}");
    let thread: AgentThread = serde_json::from_value(body).unwrap();
    assert_eq!(thread.messages.len(), 1);
    assert_eq!(thread.whatsapp, None);
    let seq = thread.messages[0].seq.0;
    assert_eq!(
        api.agent_post(&key, &format!("{path}/read"), json!({ "seq": seq }))
            .await,
        204
    );
    let history = api.history(&first).await;
    assert_eq!(
        history[0].status,
        DeliveryStatus::Read,
        "the visitor's tick says read"
    );

    // Another brand's thread does not exist for this key.
    let foreign = format!("/v1/agent/threads/{}", other_brand.thread_id);
    assert_eq!(api.agent_get(&key, &foreign).await.0, 404);
    assert_eq!(
        api.agent_post(&key, &format!("{foreign}/read"), json!({ "seq": 1 }))
            .await,
        404
    );
    assert_eq!(
        api.history(&other_brand).await[0].status,
        DeliveryStatus::Sent,
        "nothing changed there"
    );
}
