//! A brand's knowledge through the running relay: imported from CSV and JSON with the admin
//! API, searched in English and Chinese as the assistant will, edited entry by entry; bad
//! rows and passed limits refused with their row, leaving what was stored untouched.

use confab_e2e::api::Api;
use confab_e2e::relay::TEST_ADMIN_SECRET;
use confab_e2e::Relay;
use serde_json::{json, Value};

const BASE: &str = "/v1/admin/brands/gear/knowledge";

/// The shop's knowledge of the relay's retrieval tests; its Chinese entries are imported
/// as JSON.
const SHOP: &str = include_str!("../../../relay/src/knowledge/testdata/outdoor-shop.json");

/// Part of the shop's English knowledge as a spreadsheet would export it: quoted fields
/// with commas and line breaks, variants separated by `|`, an entry without an id.
const CSV: &str = "id,question,answer,language,link
returns,\"How do I return an item?|What is your return policy?\",\"You can return unworn gear within 30 days for a full refund.
Print the free return label from your account.\",en,https://acme-outdoor.example/help/returns
payment-methods,\"What payment methods do you accept?|Can I pay with PayPal?\",\"We accept Visa, Mastercard, PayPal, Apple Pay and Alipay.\",en
,Do you rent out tents and equipment?,\"Our Munich store rents tents, sleeping bags and stoves by the weekend.\",EN,
";

struct Admin {
    api: Api,
}

impl Admin {
    /// An admin call: the status and the JSON answer (`null` for none).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<(&str, String)>,
    ) -> (u16, Value) {
        let mut request = self
            .api
            .http
            .request(method, self.api.url(path))
            .bearer_auth(TEST_ADMIN_SECRET);
        if let Some((content_type, body)) = body {
            request = request.header("Content-Type", content_type).body(body);
        }
        let response = request.send().await.expect("the relay answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn import(&self, query: &str, content_type: &str, body: String) -> (u16, Value) {
        let path = format!("{BASE}/import{query}");
        self.call(reqwest::Method::POST, &path, Some((content_type, body)))
            .await
    }

    async fn put(&self, id: &str, entry: Value) -> (u16, Value) {
        let path = format!("{BASE}/{id}");
        let body = Some(("application/json", entry.to_string()));
        self.call(reqwest::Method::PUT, &path, body).await
    }

    /// `DELETE` of the knowledge (`""`) or of an entry (`"/id"`).
    async fn delete(&self, path: &str) -> u16 {
        let path = format!("{BASE}{path}");
        self.call(reqwest::Method::DELETE, &path, None).await.0
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn ids(&self) -> Vec<String> {
        let (status, body) = self.get(BASE).await;
        assert_eq!(status, 200, "{body}");
        body["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|entry| entry["id"].as_str().expect("an id").to_string())
            .collect()
    }

    /// The best match's id (if the verdict is not `noMatch`) and the verdict.
    async fn search(&self, question: &str, language: &str) -> (Option<String>, String) {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", question)
            .append_pair("lang", language)
            .finish();
        let (status, body) = self.get(&format!("{BASE}/search?{query}")).await;
        assert_eq!(status, 200, "{body}");
        let verdict = body["confidence"]["verdict"].as_str().expect("a verdict");
        let best = body["matches"][0]["id"].as_str().map(str::to_string);
        (best.filter(|_| verdict != "noMatch"), verdict.to_string())
    }
}

/// An error answer's code and message.
fn error(body: &Value) -> (&str, &str) {
    (
        body["error"]["code"].as_str().unwrap_or(""),
        body["error"]["message"].as_str().unwrap_or(""),
    )
}

#[tokio::test]
async fn a_brands_knowledge_is_imported_searched_and_kept_whole() {
    let relay = Relay::start().await;
    let admin = Admin {
        api: Api::new(relay.origin()),
    };
    let brand = json!({ "name": "Acme Outdoor", "allowedOrigins": ["http://127.0.0.1:*"] });
    assert_eq!(admin.api.put_brand("gear", brand).await, 201);

    // CSV, then the Chinese entries as JSON, merged.
    let (status, body) = admin
        .import("", "text/csv; charset=utf-8", CSV.into())
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "imported": 3, "total": 3, "mode": "merge" }));
    let shop: Vec<Value> = serde_json::from_str(SHOP).expect("the fixture");
    let chinese: Vec<&Value> = shop.iter().filter(|e| e["language"] == "zh-CN").collect();
    let (status, body) = admin
        .import(
            "?mode=merge",
            "application/json",
            json!(chinese).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let total = 3 + chinese.len();
    assert_eq!(body["total"], json!(total));
    let ids = admin.ids().await;
    assert_eq!(ids.len(), total);
    let rental = ids
        .iter()
        .find(|id| id.starts_with("q-"))
        .expect("a derived id");
    let (status, entry) = admin.get(&format!("{BASE}/{rental}")).await;
    assert_eq!(status, 200);
    assert_eq!(entry["language"], "en", "the tag in canonical case");
    assert!(entry.get("link").is_none(), "{entry}");
    // Importing the same file again changes nothing: the derived id is the same.
    let (_, body) = admin.import("", "text/csv", CSV.into()).await;
    assert_eq!(body["total"], json!(total));

    // Searched through the running relay, in both languages and mixed.
    for (question, language, expected) in [
        ("retrun policy", "en", Some("returns")),
        (
            "can I rent a tent for the weekend",
            "en",
            Some(rental.as_str()),
        ),
        ("paypal accepted?", "en", Some("payment-methods")),
        ("运费多少钱", "zh-CN", Some("zh-shipping-cost")),
        ("PayPal付款可以吗", "zh-CN", Some("zh-payment")),
        ("Apple Pay", "zh-cn", Some("zh-payment")),
        ("who won the football match yesterday", "en", None),
        ("今天天气怎么样", "zh-CN", None),
    ] {
        let (best, verdict) = admin.search(question, language).await;
        assert_eq!(best.as_deref(), expected, "{question:?}: {verdict}");
    }
    let (status, body) = admin.get(&format!("{BASE}/search?q=x&lang=english")).await;
    assert_eq!((status, error(&body).0), (400, "invalid_parameter"));

    // One entry at a time.
    let hours = json!({
        "questions": ["When are you open?"], "answer": "10:00–19:00.", "language": "en"
    });
    assert_eq!(admin.put("hours", hours.clone()).await.0, 201);
    assert_eq!(admin.put("hours", hours).await.0, 200);
    let other = json!({ "id": "other", "questions": ["Q"], "answer": "A", "language": "en" });
    let (status, body) = admin.put("hours", other).await;
    assert_eq!((status, error(&body).0), (422, "knowledge_invalid"));
    let (best, _) = admin.search("opening times", "en").await;
    assert_eq!(best.as_deref(), Some("hours"));
    assert_eq!(admin.delete("/hours").await, 204);
    assert_eq!(admin.delete("/hours").await, 404);
    assert_eq!(admin.get(&format!("{BASE}/hours")).await.0, 404);

    // A bad row refuses the whole import, naming its row; nothing of it is stored.
    let stored = admin.ids().await;
    let bad_csv = "question,answer,language\nDo you sell maps?,Yes.,en\nDo you sell stoves?,,en\n";
    let (status, body) = admin
        .import("?mode=replace", "text/csv", bad_csv.into())
        .await;
    let (code, message) = error(&body);
    assert_eq!((status, code), (422, "knowledge_invalid"), "{body}");
    assert!(message.contains("row 3"), "{message}");
    let bad_json = json!([
        { "id": "maps", "questions": ["Maps?"], "answer": "Yes.", "language": "en" },
        {
            "id": "bad", "questions": ["Q"], "answer": "A", "language": "en",
            "link": "http://x.example"
        },
    ]);
    let (status, body) = admin
        .import("", "application/json", bad_json.to_string())
        .await;
    let (code, message) = error(&body);
    assert_eq!((status, code), (422, "knowledge_invalid"), "{body}");
    assert!(message.contains("entry 2"), "{message}");
    assert_eq!(
        admin.ids().await,
        stored,
        "nothing stored, nothing replaced"
    );

    // Limits: an answer, the questions of an entry, the entries of a brand.
    let entry = |at: usize| {
        json!({
            "id": format!("e{at}"), "questions": [format!("Question {at}?")],
            "answer": "A.", "language": "en"
        })
    };
    let long_answer = json!([{ "questions": ["Q"], "answer": "a".repeat(2001), "language": "en" }]);
    let many_questions = json!([{ "questions": vec!["Q?"; 21], "answer": "A", "language": "en" }]);
    let too_many: Vec<Value> = (0..1001).map(entry).collect();
    let one_too_many: Vec<Value> = (0..1001 - stored.len()).map(entry).collect();
    for (query, body, place) in [
        ("", long_answer, "entry 1: the answer has 2001 characters"),
        ("", many_questions, "entry 1: 21 questions"),
        ("?mode=replace", json!(too_many), "1001 entries"),
        ("", json!(one_too_many), "would keep 1001 entries"),
    ] {
        let (status, answer) = admin
            .import(query, "application/json", body.to_string())
            .await;
        let (code, message) = error(&answer);
        assert_eq!((status, code), (422, "knowledge_limit"), "{answer}");
        assert!(message.contains(place), "{message}");
    }
    assert_eq!(admin.ids().await, stored);
    let (status, body) = admin.import("", "text/plain", CSV.into()).await;
    assert_eq!((status, error(&body).0), (415, "content_type_unsupported"));

    // Only the operator, and only for a brand that exists.
    let anonymous = admin
        .api
        .http
        .get(admin.api.url(BASE))
        .send()
        .await
        .expect("answers");
    assert_eq!(anonymous.status().as_u16(), 401);
    let (status, _) = admin.get("/v1/admin/brands/nobody/knowledge").await;
    assert_eq!(status, 404);

    // Replacing makes the import the whole knowledge.
    let (status, body) = admin
        .import(
            "?mode=replace",
            "application/json",
            json!([entry(1), entry(2)]).to_string(),
        )
        .await;
    assert_eq!((status, &body["total"]), (200, &json!(2)), "{body}");
    assert_eq!(admin.ids().await, ["e1", "e2"]);
    assert_eq!(admin.delete("").await, 204);
    assert!(admin.ids().await.is_empty());
}
