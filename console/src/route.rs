//! The console's hash routes (`#/inbox`, `#/threads/{id}`, `#/settings`, `#/members`,
//! `#/install`, `#/insights`), read and written by hand: five fixed shapes do not need a router crate.

use confab_protocol::ThreadId;

/// A page of the console.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Route {
    /// The list of threads (also what an unknown hash opens).
    #[default]
    Inbox,
    /// One thread, beside the list on a desk.
    Thread(ThreadId),
    /// The brand's settings (owners).
    Settings,
    /// The team (owners).
    Members,
    /// The script tag and a preview of the widget (owners).
    Install,
    /// The brand's numbers and charts (every member).
    Insights,
}

impl Route {
    /// The route a location hash names (`#/threads/abc`); anything else is the inbox.
    pub fn from_hash(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        match path {
            "settings" => Route::Settings,
            "members" => Route::Members,
            "install" => Route::Install,
            "insights" => Route::Insights,
            _ => match path.strip_prefix("threads/") {
                Some(id) if !id.is_empty() && !id.contains('/') => Route::Thread(ThreadId::new(id)),
                _ => Route::Inbox,
            },
        }
    }

    /// The hash that opens this route.
    pub fn hash(&self) -> String {
        match self {
            Route::Inbox => "#/inbox".into(),
            Route::Thread(id) => format!("#/threads/{}", id.as_str()),
            Route::Settings => "#/settings".into(),
            Route::Members => "#/members".into(),
            Route::Install => "#/install".into(),
            Route::Insights => "#/insights".into(),
        }
    }

    /// Whether only owners may open it (the API answers agents 403 there anyway).
    pub fn owner_only(&self) -> bool {
        matches!(self, Route::Settings | Route::Members | Route::Install)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_round_trip_and_unknown_ones_open_the_inbox() {
        let cases = [
            ("#/inbox", Route::Inbox),
            ("#/threads/t1", Route::Thread(ThreadId::new("t1"))),
            ("#/settings", Route::Settings),
            ("#/members", Route::Members),
            ("#/install", Route::Install),
            ("#/insights", Route::Insights),
        ];
        for (hash, route) in cases {
            assert_eq!(Route::from_hash(hash), route, "{hash}");
            assert_eq!(route.hash(), hash);
        }
        for other in ["", "#", "#/threads/", "#/threads/a/b", "#/nope", "#token=x"] {
            assert_eq!(Route::from_hash(other), Route::Inbox, "{other}");
        }
        assert!(Route::Settings.owner_only() && !Route::Inbox.owner_only());
        assert!(!Route::Insights.owner_only());
    }
}
