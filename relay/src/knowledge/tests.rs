//! Retrieval, tested on data: a fictional outdoor-gear shop's knowledge in English and
//! Chinese (`testdata/outdoor-shop.json`, also what the end-to-end test imports) and
//! visitors' questions phrased unlike its entries: synonyms, inflections, typos, Chinese
//! without spaces, Chinese and English mixed, and questions the shop cannot answer.
//!
//! Each case expects the best entry (with a verdict other than no match) or no match. Cases
//! the index gets wrong are kept in the table with the reason, not tuned away: the test
//! fails if any other case fails, and reports the hit rate over all of them.

use super::index::{Index, Verdict, ANSWER_MIN_COVERAGE, MATCH_MIN_COVERAGE};
use super::{check_entry, Entry, EntryInput, Place};

/// The shop's knowledge, as the admin API would store it.
fn shop() -> Vec<Entry> {
    let inputs: Vec<EntryInput> =
        serde_json::from_str(include_str!("testdata/outdoor-shop.json")).expect("fixture");
    inputs
        .into_iter()
        .enumerate()
        .map(|(at, input)| check_entry(input, Place::Item(at + 1)).expect("a valid entry"))
        .collect()
}

/// One visitor question: what they typed, their language, the entry expected (`None`: no
/// match), and, for a known miss, why the index misses it.
struct Case {
    question: &'static str,
    language: &'static str,
    expected: Option<&'static str>,
    known_miss: Option<&'static str>,
}

const fn case(question: &'static str, language: &'static str, expected: &'static str) -> Case {
    Case {
        question,
        language,
        expected: Some(expected),
        known_miss: None,
    }
}

const fn none(question: &'static str, language: &'static str) -> Case {
    Case {
        question,
        language,
        expected: None,
        known_miss: None,
    }
}

const fn miss(mut case: Case, why: &'static str) -> Case {
    case.known_miss = Some(why);
    case
}

const CASES: &[Case] = &[
    // English: synonyms and inflections.
    case("shipping costs to germany?", "en", "shipping-cost"),
    case("is delivery free?", "en", "shipping-cost"),
    case(
        "how many days until my order arrives",
        "en",
        "delivery-time",
    ),
    case("do you deliver to canada", "en", "international"),
    miss(
        case("I want to send back my jacket", "en", "returns"),
        "\"send back\" is a synonym of \"return\" that no question of the entry uses",
    ),
    miss(
        case("returning boots that don't fit", "en", "returns"),
        "two topics: \"boots\" pulls towards the boot sizes entry, and \"fit\" is in no entry",
    ),
    case("refund still not received", "en", "refund-time"),
    miss(
        case("swap my shoes for a bigger size", "en", "exchange"),
        "\"swap\" is in no entry, and \"shoes\" is taken for a typo of \"shop\"",
    ),
    case("do the boots run small", "en", "sizes-boots"),
    case("jacket sizing chart", "en", "sizes-clothing"),
    case("my backpack zipper broke", "en", "repairs"),
    case("what time do you open on saturday", "en", "opening-hours"),
    case("store address", "en", "store-location"),
    case("track my shipment", "en", "order-tracking"),
    case("paypal accepted?", "en", "payment-methods"),
    case("cancelling an order", "en", "cancel-order"),
    case("can I rent a tent for the weekend", "en", "rental"),
    case("any discounts for students?", "en", "discounts"),
    // English typos.
    case("warrenty on tents", "en", "warranty"),
    case("retrun policy", "en", "returns"),
    case("how long do refnds take", "en", "refund-time"),
    // Chinese, without spaces.
    case("退货怎么办", "zh-CN", "zh-returns"),
    miss(
        case("怎么申请退款", "zh-CN", "zh-returns"),
        "退款 (refund) is only in the answer, and 申请 (apply) in no entry",
    ),
    case("运费多少钱", "zh-CN", "zh-shipping-cost"),
    case("几天能到货", "zh-CN", "zh-delivery-time"),
    case("可以用支付宝吗", "zh-CN", "zh-payment"),
    case("帐篷保修几年", "zh-CN", "zh-warranty"),
    case("登山鞋尺码偏大吗", "zh-CN", "zh-sizes"),
    case("你们周日营业吗", "zh-CN", "zh-hours"),
    case("查物流", "zh-CN", "zh-tracking"),
    // Chinese and English mixed; the visitor's language decides between translations.
    case("PayPal付款可以吗", "zh-CN", "zh-payment"),
    miss(
        case("退货label在哪里打印", "zh-CN", "zh-returns"),
        "\"label\" is only in the English answer (the Chinese one says 标签)",
    ),
    case("Apple Pay", "zh-CN", "zh-payment"),
    case("Apple Pay", "en", "payment-methods"),
    // Questions the shop's knowledge cannot answer.
    none("what's the weather like in the alps tomorrow", "en"),
    none("who won the football match yesterday", "en"),
    none("can I bring my dog to the store", "en"),
    none("do you sell bicycles", "en"),
    none("今天天气怎么样", "zh-CN"),
    none("你们卖自行车吗", "zh-CN"),
];

#[test]
fn finds_the_entry_for_questions_phrased_unlike_it() {
    let entries = shop();
    let index = Index::new(&entries);
    let mut report = Vec::new();
    let mut unexpected = Vec::new();
    let mut hits = 0;
    for case in CASES {
        let search = index.search(case.question, Some(case.language));
        let found = (search.confidence.verdict != Verdict::NoMatch)
            .then(|| search.hits[0].entry.id.as_str());
        let hit = found == case.expected;
        hits += usize::from(hit);
        let line = format!(
            "{} {:?} ({}): {:?}, expected {:?}; coverage {:.2}, margin {:.2}, {:?}{}",
            if hit { "hit " } else { "MISS" },
            case.question,
            case.language,
            search.hits.first().map(|hit| hit.entry.id.as_str()),
            case.expected,
            search.confidence.score,
            search.confidence.margin,
            search.confidence.verdict,
            case.known_miss
                .map(|why| format!(" [known miss: {why}]"))
                .unwrap_or_default(),
        );
        if !hit && case.known_miss.is_none() {
            unexpected.push(line.clone());
        }
        report.push(line);
    }
    println!(
        "hit rate {hits}/{} ({:.0}%)\n{}",
        CASES.len(),
        100.0 * hits as f32 / CASES.len() as f32,
        report.join("\n")
    );
    assert!(
        unexpected.is_empty(),
        "unexpected misses:\n{}",
        unexpected.join("\n")
    );
}

#[test]
fn an_entrys_own_questions_find_it() {
    let entries = shop();
    let index = Index::new(&entries);
    let mut questions = 0;
    let mut suggested = Vec::new();
    for entry in &entries {
        for question in &entry.questions {
            questions += 1;
            let search = index.search(question, Some(&entry.language));
            assert_eq!(search.hits[0].entry.id, entry.id, "{question:?}");
            assert!(
                search.confidence.score >= ANSWER_MIN_COVERAGE,
                "{question:?}"
            );
            // A question that comes down to one word another entry shares ("Where is your
            // shop?" and "When is the shop open?") is a choice between the two.
            if search.confidence.verdict != Verdict::Answer {
                suggested.push(question.as_str());
            }
        }
    }
    println!("offered as a choice, not answered: {suggested:?}");
    assert!(suggested.len() * 10 <= questions, "{suggested:?}");
}

#[test]
fn a_word_two_entries_share_is_a_suggestion_not_an_answer() {
    let entries = shop();
    let index = Index::new(&entries);
    // Both "How much is shipping?" and "Do you ship internationally?" fit.
    let search = index.search("shipping", Some("en"));
    assert_eq!(search.confidence.verdict, Verdict::Suggest, "{search:?}");
    let ids: Vec<&str> = search
        .hits
        .iter()
        .map(|hit| hit.entry.id.as_str())
        .collect();
    assert!(ids[..2].contains(&"shipping-cost") && ids[..2].contains(&"international"));
    assert!(search.answer().is_none());
}

#[test]
fn nothing_to_search_is_no_match() {
    let entries = shop();
    let index = Index::new(&entries);
    for question in ["", "?!", "how do I", "我的", "\u{200b}"] {
        let search = index.search(question, None);
        assert_eq!(search.confidence.verdict, Verdict::NoMatch, "{question:?}");
        assert!(search.confidence.score < MATCH_MIN_COVERAGE);
    }
    assert!(Index::new(&[]).search("returns", None).hits.is_empty());
}

#[test]
fn a_single_character_finds_words_that_contain_it() {
    let entries = shop();
    let index = Index::new(&entries);
    let search = index.search("鞋", Some("zh-CN"));
    assert_eq!(
        search.hits.first().map(|hit| hit.entry.id.as_str()),
        Some("zh-sizes")
    );
}

#[test]
fn the_visitors_language_comes_first_among_matches() {
    let entries = shop();
    let index = Index::new(&entries);
    let first = |language| index.search("Apple Pay", language).hits[0].entry.id.clone();
    assert_eq!(first(Some("en")), "payment-methods");
    assert_eq!(first(Some("zh-CN")), "zh-payment");
    // The same language in another region is nearer than another language.
    assert_eq!(first(Some("zh-TW")), "zh-payment");
    // Without a language, the score alone ranks: "pay" is in the English entry's questions.
    let unknown = index.search("Apple Pay", None);
    assert_eq!(unknown.hits[0].entry.id, "payment-methods");
    assert!(unknown.hits.windows(2).all(|w| w[0].score >= w[1].score));
}
