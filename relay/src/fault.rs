//! The development-only fault switch: failures armed on demand, so that tests can make the
//! relay's calls to D1, to a thread's object and to the bucket of files fail exactly where a
//! path must survive it.
//!
//! The switch works only where `CONFAB_ENV` is `development` and `CONFAB_FAULTS` is `on`
//! (the tests' relays); `wrangler.toml` sets neither, so a deployed relay refuses it
//! (`tests/` checks the file). A fault names the kind of call and a piece of its text (an
//! SQL statement, a thread call's name) and fails the next `times` calls that match.

use serde::{Deserialize, Serialize};

/// The kind of call a fault fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Site {
    /// A D1 statement or batch (matched against its SQL).
    D1,
    /// A call from the Worker to a thread's Durable Object (matched against the call's
    /// name, e.g. `erase`).
    Thread,
    /// Deleting an erased thread's files from the bucket (matched against the key prefix,
    /// `threads/<thread id>/`).
    Files,
}

/// One armed fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// Which calls.
    pub site: Site,
    /// A piece of the call's text; empty matches every call of the site.
    #[serde(default)]
    pub matching: String,
    /// How many matching calls fail.
    pub times: u32,
}

/// The faults armed in this isolate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    armed: Vec<Fault>,
}

impl Faults {
    /// Arms a fault (after those armed before it).
    pub fn arm(&mut self, fault: Fault) {
        if fault.times > 0 {
            self.armed.push(fault);
        }
    }

    /// The faults still armed, with the failures each has left.
    pub fn armed(&self) -> &[Fault] {
        &self.armed
    }

    /// Disarms every fault.
    pub fn clear(&mut self) {
        self.armed.clear();
    }

    /// Whether the call `what` at `site` fails; each failure uses up one of its fault's
    /// `times`.
    pub fn trip(&mut self, site: Site, what: &str) -> bool {
        let Some(index) = self
            .armed
            .iter()
            .position(|fault| fault.site == site && what.contains(&fault.matching))
        else {
            return false;
        };
        self.armed[index].times -= 1;
        if self.armed[index].times == 0 {
            self.armed.remove(index);
        }
        true
    }
}

/// Whether the switch may be used with these settings (`CONFAB_ENV`, `CONFAB_FAULTS`).
pub fn allowed(confab_env: Option<&str>, confab_faults: Option<&str>) -> bool {
    confab_env == Some("development") && confab_faults == Some("on")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(site: Site, matching: &str, times: u32) -> Fault {
        Fault {
            site,
            matching: matching.into(),
            times,
        }
    }

    #[test]
    fn a_fault_fails_its_matching_calls_so_many_times() {
        let mut faults = Faults::default();
        faults.arm(fault(Site::D1, "identities", 2));
        let calls = [
            (Site::D1, "DELETE FROM threads", false),
            (Site::Thread, "identities", false),
            (Site::D1, "DELETE FROM identities WHERE", true),
            (Site::D1, "SELECT thread_id FROM identities", true),
            (Site::D1, "DELETE FROM identities WHERE", false),
        ];
        for (site, what, fails) in calls {
            assert_eq!(faults.trip(site, what), fails, "{site:?} {what}");
        }
        assert_eq!(faults, Faults::default());
    }

    #[test]
    fn an_empty_pattern_matches_every_call_of_its_site() {
        let mut faults = Faults::default();
        faults.arm(fault(Site::Thread, "", 1));
        faults.arm(fault(Site::D1, "x", 0)); // nothing to fail: not armed
        assert!(!faults.trip(Site::D1, "x"));
        assert!(faults.trip(Site::Thread, "erase"));
        assert!(!faults.trip(Site::Thread, "erase"));
        faults.arm(fault(Site::D1, "", 5));
        faults.clear();
        assert!(!faults.trip(Site::D1, "x"));
    }

    #[test]
    fn only_a_development_relay_with_the_switch_on_takes_faults() {
        let cases = [
            (Some("development"), Some("on"), true),
            (Some("development"), None, false),
            (Some("development"), Some("1"), false),
            (Some("production"), Some("on"), false),
            (None, Some("on"), false),
        ];
        for (env, switch, allowed_here) in cases {
            assert_eq!(allowed(env, switch), allowed_here, "{env:?} {switch:?}");
        }
    }
}
