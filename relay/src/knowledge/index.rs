//! Ranking a brand's entries for a visitor's question, and how sure the ranking is.
//!
//! Each question variant is a document of the *questions* field and each answer one of the
//! *answers* field; both are scored with Okapi BM25. An entry scores its best variant plus
//! [`ANSWER_WEIGHT`] times its answer: variants say what an entry is about, an answer only
//! hints at it (it also mentions what it is not about: "returns are free, shipping is not").
//! A question word the index has never seen may be a typo: it stands for the nearest known
//! word within one edit (two for long words), at [`TYPO_WEIGHT`].
//!
//! BM25 scores only compare entries for one question; the bot needs a number that means the
//! same for every question. That is the *coverage* of the best entry: the share of the
//! question's information (each term weighted by its rarity, its IDF) that the entry
//! accounts for. A word the knowledge never uses counts against it, so an off-topic question
//! that shares one word with an entry ("can I return a library book?") covers little. The
//! *margin* says whether the best entry stands out: how far (relative) the second-best is
//! behind. [`Verdict`] combines the two with the thresholds below.

use super::tokens::{Analyzer, Mode, Term};
use super::Entry;
use std::collections::{HashMap, HashSet};

/// BM25's term-frequency saturation (the usual value): a word said twice counts little more.
const K1: f32 = 1.2;
/// BM25's length normalisation (the usual value): a long variant matches less per word.
const B: f32 = 0.75;
/// How much an answer's words count against a question variant's.
pub const ANSWER_WEIGHT: f32 = 0.3;
/// How much of a question word an entry covers when only its answer uses it: the word is
/// probably on topic ("Apple Pay?" and an answer listing the ways to pay), but answers also
/// mention what they are not about, so alone it makes a suggestion, never an answer.
pub const ANSWER_COVERAGE: f32 = 0.6;
/// How much a word matched through a typo counts against one spelled right: a guess.
pub const TYPO_WEIGHT: f32 = 0.8;
/// The shortest word (after stemming) tried as a typo: shorter words are too often another
/// real word one edit away ("cost", "cast").
const TYPO_MIN_CHARS: usize = 4;
/// The shortest stem matched as the start of a longer one (see [`Index::typo`]).
const TYPO_MIN_PREFIX: usize = 5;
/// A question word the knowledge never uses counts this share of the rarest word's IDF
/// against coverage. Not all of it: chat questions carry words about the visitor ("last
/// week", "bought") that say nothing against an entry.
pub const UNKNOWN_WORD_WEIGHT: f32 = 0.5;
/// The same for a CJK bigram the knowledge never uses: most such bigrams straddle two words
/// (订单到哪 gives 单到 and 到哪), so they say little either way.
pub const UNKNOWN_BIGRAM_WEIGHT: f32 = 0.15;

/// Below this coverage there is no match: less than half of what the visitor asked is in
/// the best entry, so answering with it would more often be wrong than right.
pub const MATCH_MIN_COVERAGE: f32 = 0.5;
/// From this coverage, with [`ANSWER_MIN_MARGIN`], the bot may answer with the entry
/// outright; between the two thresholds it should offer the best entries as choices.
pub const ANSWER_MIN_COVERAGE: f32 = 0.7;
/// The best entry must score this much (relative) above the second-best for an outright
/// answer: two close entries ("shipping cost" and "shipping time" for "shipping?") are a
/// question back to the visitor, not an answer.
pub const ANSWER_MIN_MARGIN: f32 = 0.2;

/// How near an entry's language is to the visitor's: the same tag, the same language in
/// another region or script (`zh-TW` for `zh-CN`), or another language. Entries that match
/// (coverage from [`MATCH_MIN_COVERAGE`]) rank nearest language first, then by score, so a
/// visitor gets the answer in their language whenever one fits, and another language's
/// only when none does; entries that do not match rank after them by score alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Nearness {
    /// The visitor's language, or the visitor's is not known.
    Same,
    /// The same primary language subtag.
    Related,
    /// Another language.
    Other,
}

/// What the bot should do with a search's best entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// Answer with the best entry.
    Answer,
    /// Close, but not sure: offer the best entries as choices.
    Suggest,
    /// Nothing matches: say so (and offer a person).
    NoMatch,
}

/// How sure a search is of its best entry.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Confidence {
    /// The best entry's coverage of the question, 0 to 1.
    pub score: f32,
    /// How far the second-best is behind the best, relative to the best: 0 (a tie) to 1
    /// (no second entry).
    pub margin: f32,
    /// What follows.
    pub verdict: Verdict,
}

/// One ranked entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit<'a> {
    /// The entry.
    pub entry: &'a Entry,
    /// Its BM25 score.
    pub score: f32,
    /// How near its language is to the visitor's.
    pub nearness: Nearness,
    /// Its coverage of the question, 0 to 1.
    pub coverage: f32,
}

/// A search's answer: entries best first (only those with some match), and the confidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Search<'a> {
    /// The ranked entries.
    pub hits: Vec<Hit<'a>>,
    /// How sure the ranking is.
    pub confidence: Confidence,
}

impl Search<'_> {
    /// The entry to answer with, if the verdict allows one.
    pub fn answer(&self) -> Option<&Entry> {
        self.hits
            .first()
            .filter(|_| self.confidence.verdict == Verdict::Answer)
            .map(|hit| hit.entry)
    }
}

/// One field's documents and statistics.
#[derive(Default)]
struct Field {
    /// Per document: its entry, its length in terms, and each term's count.
    docs: Vec<(usize, f32, HashMap<Term, u32>)>,
    /// How many documents hold each term.
    df: HashMap<Term, u32>,
    average_length: f32,
}

impl Field {
    fn add(&mut self, entry: usize, length: usize, terms: impl IntoIterator<Item = Term>) {
        let mut counts: HashMap<Term, u32> = HashMap::new();
        for term in terms {
            *counts.entry(term).or_default() += 1;
        }
        for term in counts.keys() {
            *self.df.entry(term.clone()).or_default() += 1;
        }
        self.docs.push((entry, length as f32, counts));
    }

    fn finish(&mut self) {
        let total: f32 = self.docs.iter().map(|(_, length, _)| length).sum();
        self.average_length = (total / self.docs.len().max(1) as f32).max(1.0);
    }

    /// BM25's IDF of a term held by `df` of this field's documents (never negative).
    fn idf(&self, term: &Term) -> f32 {
        let n = self.docs.len() as f32;
        let df = self.df.get(term).copied().unwrap_or(0) as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The IDF of a term no document holds: the most a term can weigh.
    fn unseen_idf(&self) -> f32 {
        let n = self.docs.len() as f32;
        (1.0 + (n + 0.5) / 0.5).ln()
    }

    /// BM25 of each document that holds one of `terms` (term, weight), by entry: the best
    /// document of each entry.
    fn scores(&self, terms: &[(Term, f32)]) -> HashMap<usize, f32> {
        let idf: Vec<f32> = terms.iter().map(|(term, _)| self.idf(term)).collect();
        let mut best: HashMap<usize, f32> = HashMap::new();
        for (entry, length, counts) in &self.docs {
            let norm = K1 * (1.0 - B + B * length / self.average_length);
            let score: f32 = terms
                .iter()
                .zip(&idf)
                .filter_map(|((term, weight), idf)| {
                    let tf = *counts.get(term)? as f32;
                    Some(weight * idf * tf * (K1 + 1.0) / (tf + norm))
                })
                .sum();
            if score > 0.0 {
                let slot = best.entry(*entry).or_default();
                *slot = slot.max(score);
            }
        }
        best
    }
}

/// A brand's entries, indexed for search. Built from the entries in one pass; the bot can
/// keep one per brand until the knowledge changes.
pub struct Index<'a> {
    entries: &'a [Entry],
    analyzer: Analyzer,
    questions: Field,
    answers: Field,
    /// Per entry: every term of its questions, and of its answer.
    terms: Vec<(HashSet<Term>, HashSet<Term>)>,
    /// Every word of the knowledge, for typos.
    words: Vec<String>,
}

/// A question term, as the index understands it.
struct QueryTerm {
    /// The term looked up (a known word in place of a typo).
    term: Term,
    /// How much a match counts (1, or [`TYPO_WEIGHT`]).
    weight: f32,
    /// Its share of the question's information.
    mass: f32,
}

impl<'a> Index<'a> {
    /// Indexes `entries`.
    pub fn new(entries: &'a [Entry]) -> Index<'a> {
        let analyzer = Analyzer::default();
        let mut questions = Field::default();
        let mut answers = Field::default();
        let mut terms = Vec::with_capacity(entries.len());
        let mut words = HashSet::new();
        for (at, entry) in entries.iter().enumerate() {
            let mut in_questions = HashSet::new();
            for question in &entry.questions {
                let analysis = analyzer.analyze(question, Mode::Index);
                in_questions.extend(analysis.terms.iter().cloned());
                in_questions.extend(analysis.unigrams.iter().cloned());
                let length = analysis.terms.len();
                questions.add(
                    at,
                    length,
                    analysis.terms.into_iter().chain(analysis.unigrams),
                );
            }
            let analysis = analyzer.analyze(&entry.answer, Mode::Index);
            let in_answer: HashSet<Term> = analysis
                .terms
                .iter()
                .chain(&analysis.unigrams)
                .cloned()
                .collect();
            answers.add(
                at,
                analysis.terms.len(),
                analysis.terms.into_iter().chain(analysis.unigrams),
            );
            for term in in_questions.iter().chain(&in_answer) {
                if let Term::Word(word) = term {
                    words.insert(word.clone());
                }
            }
            terms.push((in_questions, in_answer));
        }
        questions.finish();
        answers.finish();
        let mut words: Vec<String> = words.into_iter().collect();
        words.sort();
        Index {
            entries,
            analyzer,
            questions,
            answers,
            terms,
            words,
        }
    }

    /// Ranks the entries for `question`, preferring those in `language` (a canonical BCP 47
    /// tag, if the visitor's is known).
    pub fn search(&self, question: &str, language: Option<&str>) -> Search<'a> {
        let query = self.query(question);
        let total_mass: f32 = query.iter().map(|term| term.mass).sum();
        let weighted: Vec<(Term, f32)> = query
            .iter()
            .filter(|term| term.weight > 0.0)
            .map(|term| (term.term.clone(), term.weight))
            .collect();
        let in_questions = self.questions.scores(&weighted);
        let in_answers = self.answers.scores(&weighted);
        let mut hits: Vec<Hit<'a>> = (0..self.entries.len())
            .filter_map(|at| {
                let score = in_questions.get(&at).copied().unwrap_or(0.0)
                    + ANSWER_WEIGHT * in_answers.get(&at).copied().unwrap_or(0.0);
                (score > 0.0).then(|| {
                    let entry = &self.entries[at];
                    Hit {
                        entry,
                        score,
                        nearness: nearness(&entry.language, language),
                        coverage: self.coverage(at, &query, total_mass),
                    }
                })
            })
            .collect();
        hits.sort_by(|a, b| {
            a.rank()
                .cmp(&b.rank())
                .then_with(|| b.score.total_cmp(&a.score))
                .then_with(|| a.entry.id.cmp(&b.entry.id))
        });
        let confidence = confidence(&hits);
        Search { hits, confidence }
    }

    /// The question's terms, each once, with typos resolved and their information.
    fn query(&self, question: &str) -> Vec<QueryTerm> {
        let analysis = self.analyzer.analyze(question, Mode::Query);
        let unknown_idf = self.questions.unseen_idf();
        let mut seen = HashSet::new();
        let mut query = Vec::new();
        for term in analysis.terms {
            if !seen.insert(term.clone()) {
                continue;
            }
            let known = |term: &Term| {
                self.questions.df.contains_key(term) || self.answers.df.contains_key(term)
            };
            let (term, weight) = if known(&term) {
                (term, 1.0)
            } else if let Some(word) = self.typo(&term) {
                (Term::Word(word), TYPO_WEIGHT)
            } else {
                let share = match term {
                    Term::Word(_) => UNKNOWN_WORD_WEIGHT,
                    Term::Bigram(_) | Term::Unigram(_) => UNKNOWN_BIGRAM_WEIGHT,
                };
                query.push(QueryTerm {
                    term,
                    weight: 0.0,
                    mass: share * unknown_idf,
                });
                continue;
            };
            // A word only answers use is as rare as one nobody uses, among the questions.
            let mass = self.questions.idf(&term);
            query.push(QueryTerm { term, weight, mass });
        }
        query
    }

    /// The known word a misspelt one most likely stands for: within one edit (two from 8
    /// characters), the closest, then the most used. Also the stemmer's misses: words of one
    /// family that it cuts differently.
    fn typo(&self, term: &Term) -> Option<String> {
        let Term::Word(word) = term else { return None };
        let length = word.chars().count();
        if length < TYPO_MIN_CHARS || word.chars().all(char::is_numeric) {
            return None;
        }
        let allowed = if length >= 8 { 2 } else { 1 };
        self.words
            .iter()
            .filter_map(|known| {
                // A stem that is the start of a known one, or the other way round, is one
                // edit away: the stemmer leaves "deliver" as `deliv` but "delivery" as
                // `deliveri`.
                let prefix = length >= TYPO_MIN_PREFIX
                    && known.chars().count() >= TYPO_MIN_PREFIX
                    && (known.starts_with(word.as_str()) || word.starts_with(known.as_str()));
                let distance = if prefix {
                    1
                } else {
                    strsim::osa_distance(word, known)
                };
                (distance <= allowed).then_some((distance, known))
            })
            .min_by(|(d1, w1), (d2, w2)| {
                let df = |word: &String| {
                    let term = Term::Word(word.clone());
                    self.questions.df.get(&term).copied().unwrap_or(0)
                        + self.answers.df.get(&term).copied().unwrap_or(0)
                };
                d1.cmp(d2).then_with(|| df(w2).cmp(&df(w1)))
            })
            .map(|(_, known)| known.clone())
    }

    /// The share of the question's information that entry `at` accounts for: a term in one
    /// of its questions counts whole, one only in its answer [`ANSWER_COVERAGE`], each times
    /// its typo weight.
    fn coverage(&self, at: usize, query: &[QueryTerm], total_mass: f32) -> f32 {
        if total_mass <= 0.0 {
            return 0.0;
        }
        let (in_questions, in_answer) = &self.terms[at];
        let covered: f32 = query
            .iter()
            .map(|term| {
                let place = if in_questions.contains(&term.term) {
                    1.0
                } else if in_answer.contains(&term.term) {
                    ANSWER_COVERAGE
                } else {
                    0.0
                };
                term.mass * term.weight * place
            })
            .sum();
        (covered / total_mass).clamp(0.0, 1.0)
    }
}

/// How near an entry in `entry` is for a visitor speaking `visitor` (canonical tags).
fn nearness(entry: &str, visitor: Option<&str>) -> Nearness {
    let Some(visitor) = visitor else {
        return Nearness::Same;
    };
    let primary = |tag: &str| {
        icu_locale_core::LanguageIdentifier::try_from_str(tag)
            .map(|language| language.language)
            .ok()
    };
    if entry.eq_ignore_ascii_case(visitor) {
        Nearness::Same
    } else if primary(entry).is_some() && primary(entry) == primary(visitor) {
        Nearness::Related
    } else {
        Nearness::Other
    }
}

impl Hit<'_> {
    /// The group a hit ranks in: matches by the nearness of their language, then the rest.
    fn rank(&self) -> (bool, Nearness) {
        let matches = self.coverage >= MATCH_MIN_COVERAGE;
        (
            !matches,
            if matches {
                self.nearness
            } else {
                Nearness::Same
            },
        )
    }
}

/// The confidence of a ranking: the best entry's coverage, its margin, the verdict.
fn confidence(hits: &[Hit]) -> Confidence {
    let Some(best) = hits.first() else {
        return Confidence {
            score: 0.0,
            margin: 0.0,
            verdict: Verdict::NoMatch,
        };
    };
    // The rival is the next entry of the best one's group: a translation of the best entry
    // into another language is not one.
    let second = hits[1..]
        .iter()
        .find(|hit| hit.rank() == best.rank())
        .map_or(0.0, |hit| hit.score);
    let margin = ((best.score - second) / best.score).clamp(0.0, 1.0);
    let verdict = if best.coverage < MATCH_MIN_COVERAGE {
        Verdict::NoMatch
    } else if best.coverage >= ANSWER_MIN_COVERAGE && margin >= ANSWER_MIN_MARGIN {
        Verdict::Answer
    } else {
        Verdict::Suggest
    };
    Confidence {
        score: best.coverage,
        margin,
        verdict,
    }
}
