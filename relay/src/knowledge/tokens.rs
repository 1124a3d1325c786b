//! Text analysis for retrieval: what an entry's questions and answer, and a visitor's
//! question, are reduced to before they are compared.
//!
//! Every text is normalised the same way (NFKC, so full-width letters and digits become
//! ASCII and compatibility ideographs their usual forms, then lower case), then cut into
//! runs of one script:
//! - Words (letters and digits of any alphabet): English stop words are dropped and the rest
//!   stemmed with Snowball's English stemmer ("returns", "returning" → `return`). An
//!   apostrophe inside a word is dropped ("don't" → "dont", a stop word).
//! - CJK runs (Han, kana, Hangul): there are no spaces to find words by, so overlapping
//!   character bigrams stand for words ("退货政策" → 退货, 货政, 政策), as Lucene's CJK
//!   analyser does; a bigram that is only a question or filler word (怎么, 可以, …) is dropped,
//!   and runs are also cut at particles (的, 了, 吗, …) that never start or end a word of
//!   interest. A run of one character is that character (a *unigram*), so "鞋" can still
//!   match. Indexed texts also keep every character as a unigram, for such questions.
//!
//! Mixed text needs nothing special: "我想 return 这双boots" is a CJK run, a word, a CJK run
//! and a word.

use icu_normalizer::ComposingNormalizerBorrowed;
use rust_stemmers::{Algorithm, Stemmer};

/// One unit of comparison.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Term {
    /// A stemmed word of an alphabetic script (or a number).
    Word(String),
    /// Two adjacent CJK characters.
    Bigram(String),
    /// One CJK character.
    Unigram(char),
}

/// What a text is reduced to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    /// The terms that count towards a text's length: words, bigrams, and the unigrams of
    /// one-character runs; in order, repeated as often as they occur.
    pub terms: Vec<Term>,
    /// For indexed texts only: every CJK character of a longer run as a unigram, so that a
    /// question of one character finds texts that use it inside a word.
    pub unigrams: Vec<Term>,
}

/// Whether a text is being indexed (an entry) or searched for (a visitor's question).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// An entry's question variant or answer.
    Index,
    /// A visitor's question.
    Query,
}

/// English words that carry no topic in a chat question, sorted (binary search). Kept short
/// on purpose: a word listed here can never match, so only words that are noise in every
/// brand's knowledge belong (negations too: "did not arrive" is about arriving). Not
/// "much": "how much" asks for a price.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "been", "before", "being", "but", "by", "can", "cant", "could", "couldnt", "did",
    "didnt", "do", "does", "doesnt", "doing", "dont", "each", "for", "from", "get", "gets",
    "getting", "got", "guys", "had", "has", "have", "hello", "hey", "hi", "how", "hows", "i", "id",
    "if", "im", "in", "into", "is", "isnt", "it", "its", "ive", "just", "know", "let", "like",
    "many", "may", "me", "might", "must", "my", "no", "not", "of", "ok", "okay", "on", "or", "our",
    "ours", "please", "pls", "should", "so", "some", "still", "tell", "than", "thank", "thanks",
    "that", "thats", "the", "their", "them", "then", "there", "these", "they", "this", "those",
    "to", "until", "us", "want", "was", "wasnt", "we", "were", "what", "whats", "when", "where",
    "which", "who", "why", "will", "with", "wont", "would", "you", "your", "youre", "yours",
];

/// CJK question and filler words, as bigrams: "how", "what", "why", "where", "can",
/// "please", "you (plural)", "we", "hello", "thanks", "a little", "this", "that", "I want".
/// Sorted (by code point, as `str` compares).
const STOP_BIGRAMS: &[&str] = &[
    "一下", "一个", "为什", "你们", "你好", "可以", "哪儿", "哪里", "如何", "怎么", "怎样", "您好",
    "想要", "我们", "我想", "是否", "能否", "请问", "谢谢", "这个", "那个",
];

/// Particles that end a CJK run: they are never part of the words a question is about.
const PARTICLES: &[char] = &['的', '了', '吗', '呢', '吧', '啊', '呀', '嘛', '哦', '么'];

/// Characters that are not worth a match on their own (pronouns, "is", "at", "want", and
/// the halves of 怎么 and 什么 that the particle 么 leaves).
const STOP_CHARACTERS: &[char] = &[
    '也', '他', '什', '你', '在', '她', '它', '怎', '想', '我', '是', '有', '请', '您', '要', '都',
    '问',
];

/// The analyser: a stemmer and the normaliser, made once per index.
pub struct Analyzer {
    stemmer: Stemmer,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer {
            stemmer: Stemmer::create(Algorithm::English),
        }
    }
}

/// A text normalised for comparison: NFKC, then lower case.
pub fn normalize(text: &str) -> String {
    ComposingNormalizerBorrowed::new_nfkc()
        .normalize(text)
        .to_lowercase()
}

/// Whether `c` is written without spaces between words: Han ideographs (with their
/// extensions and compatibility block), kana and Hangul.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'      // hiragana, katakana
        | '\u{3400}'..='\u{4dbf}'    // Han extension A
        | '\u{4e00}'..='\u{9fff}'    // Han
        | '\u{ac00}'..='\u{d7af}'    // Hangul syllables
        | '\u{f900}'..='\u{faff}'    // Han compatibility
        | '\u{20000}'..='\u{3134f}') // Han extensions B–G
}

/// A run of one script, as cut from the normalised text.
enum Run {
    Word(String),
    Cjk(Vec<char>),
}

impl Analyzer {
    /// Reduces `text` to its terms.
    pub fn analyze(&self, text: &str, mode: Mode) -> Analysis {
        let mut analysis = Analysis::default();
        for run in runs(&normalize(text)) {
            match run {
                Run::Word(word) => {
                    if let Some(term) = self.word(&word) {
                        analysis.terms.push(term);
                    }
                }
                Run::Cjk(chars) => cjk(&chars, mode, &mut analysis),
            }
        }
        analysis
    }

    fn word(&self, word: &str) -> Option<Term> {
        let numeric = word.chars().all(|c| c.is_numeric());
        if STOP_WORDS.binary_search(&word).is_ok() || (word.chars().count() < 2 && !numeric) {
            return None;
        }
        Some(Term::Word(self.stemmer.stem(word).into_owned()))
    }
}

/// Cuts normalised text into words and CJK runs; everything else separates them.
fn runs(text: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut word = String::new();
    let mut cjk_run = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let in_word = !word.is_empty();
        if is_cjk(c) && !PARTICLES.contains(&c) {
            if in_word {
                runs.push(Run::Word(std::mem::take(&mut word)));
            }
            cjk_run.push(c);
            continue;
        }
        if !cjk_run.is_empty() {
            runs.push(Run::Cjk(std::mem::take(&mut cjk_run)));
        }
        let apostrophe = matches!(c, '\'' | '\u{2019}');
        let next_is_letter = chars.peek().is_some_and(|next| next.is_alphanumeric());
        if c.is_alphanumeric() && !is_cjk(c) {
            word.push(c);
        } else if apostrophe && in_word && next_is_letter {
            // "don't", "boot's": one word, without the apostrophe.
        } else if in_word {
            runs.push(Run::Word(std::mem::take(&mut word)));
        }
    }
    if !word.is_empty() {
        runs.push(Run::Word(word));
    }
    if !cjk_run.is_empty() {
        runs.push(Run::Cjk(cjk_run));
    }
    runs
}

/// The terms of one CJK run.
fn cjk(chars: &[char], mode: Mode, analysis: &mut Analysis) {
    if let [only] = chars {
        if !STOP_CHARACTERS.contains(only) {
            analysis.terms.push(Term::Unigram(*only));
        }
        return;
    }
    for pair in chars.windows(2) {
        let bigram: String = pair.iter().collect();
        if STOP_BIGRAMS.binary_search(&bigram.as_str()).is_err() {
            analysis.terms.push(Term::Bigram(bigram));
        }
    }
    if mode == Mode::Index {
        analysis.unigrams.extend(
            chars
                .iter()
                .filter(|c| !STOP_CHARACTERS.contains(c))
                .map(|c| Term::Unigram(*c)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        Analyzer::default()
            .analyze(text, Mode::Query)
            .terms
            .into_iter()
            .map(|term| match term {
                Term::Word(word) => word,
                Term::Bigram(bigram) => bigram,
                Term::Unigram(c) => format!("[{c}]"),
            })
            .collect()
    }

    #[test]
    fn lists_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(STOP_BIGRAMS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn english_is_stemmed_without_stop_words() {
        assert_eq!(terms("How do I RETURN my boots?"), ["return", "boot"]);
        assert_eq!(
            terms("Returning the boot's laces"),
            ["return", "boot", "lace"]
        );
        assert_eq!(terms("I don't know"), Vec::<String>::new());
        assert_eq!(terms("30-day returns"), ["30", "day", "return"]);
    }

    #[test]
    fn full_width_text_is_normalised() {
        assert_eq!(terms("ＲＥＴＵＲＮＳ　３０"), ["return", "30"]);
        assert_eq!(terms("退货？"), ["退货"]);
    }

    #[test]
    fn chinese_is_cut_into_bigrams_at_particles() {
        assert_eq!(terms("退货政策"), ["退货", "货政", "政策"]);
        assert_eq!(terms("我的订单"), ["订单"]);
        assert_eq!(terms("怎么退货"), ["退货"]);
        assert_eq!(terms("鞋"), ["[鞋]"]);
        assert_eq!(terms("我"), Vec::<String>::new());
    }

    #[test]
    fn mixed_scripts_split_by_script() {
        assert_eq!(terms("我想return这双boots"), ["return", "这双", "boot"]);
    }

    #[test]
    fn indexed_text_keeps_unigrams() {
        let analysis = Analyzer::default().analyze("登山鞋", Mode::Index);
        assert_eq!(
            analysis.unigrams,
            [
                Term::Unigram('登'),
                Term::Unigram('山'),
                Term::Unigram('鞋')
            ]
        );
        assert!(Analyzer::default()
            .analyze("登山鞋", Mode::Query)
            .unigrams
            .is_empty());
    }
}
