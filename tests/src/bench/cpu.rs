//! workerd's CPU time, read from Linux's `/proc/<pid>/stat` (user + system time of all of a
//! process's threads), for the CPU each delivered message costs.
//!
//! `wrangler dev` runs two workerd processes in its process group: one whose entry socket
//! is the port it serves (its own proxy, which only `wrangler dev` has) and one that runs
//! the Worker and its Durable Objects. The runtime's CPU is what a deployed Worker would
//! spend; the proxy's is reported beside it.

/// The workerd processes of one `wrangler dev`.
#[derive(Clone, Debug)]
pub struct Workerd {
    /// The process that runs the Worker and its objects.
    runtime: Vec<u32>,
    /// The process of `wrangler dev`'s proxy on the served port.
    proxy: Vec<u32>,
}

/// CPU seconds spent so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CpuTime {
    /// By the runtime process (the Worker, its objects).
    pub runtime: f64,
    /// By `wrangler dev`'s proxy process.
    pub proxy: f64,
}

impl CpuTime {
    /// What was spent from `before` to `self`.
    pub fn since(self, before: CpuTime) -> CpuTime {
        CpuTime {
            runtime: self.runtime - before.runtime,
            proxy: self.proxy - before.proxy,
        }
    }
}

/// What `/proc/<pid>/stat` says that the bench needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    /// The process group.
    pub group: u32,
    /// User plus system time, in clock ticks.
    pub ticks: u64,
}

/// Reads a `/proc/<pid>/stat` line (`proc(5)`): the name in parentheses may hold spaces and
/// parentheses, so fields are counted from the last `)`; then state, ppid, pgrp (the 5th
/// field), …, utime and stime (the 14th and 15th).
pub fn parse_stat(line: &str) -> Option<Stat> {
    let after_name = &line[line.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let group = fields.get(2)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Stat {
        group,
        ticks: utime + stime,
    })
}

/// Clock ticks per second (`getconf CLK_TCK`; Linux's ABI fixes it at 100 almost
/// everywhere, which is the fallback).
fn ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse::<f64>().ok())
        .filter(|ticks| *ticks > 0.0)
        .unwrap_or(100.0)
}

fn workerd_pids() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim() == "workerd")
        })
        .collect()
}

fn stat(pid: u32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

impl Workerd {
    /// The workerd processes of the `wrangler dev` serving 127.0.0.1:`port`: the one whose
    /// command line binds that port is the proxy, the others of its process group run the
    /// Worker. `None` off Linux or if none is found.
    pub fn serving(port: u16) -> Option<Workerd> {
        let entry = format!("--socket-addr=entry=127.0.0.1:{port}");
        let pids = workerd_pids();
        let proxy: Vec<u32> = pids
            .iter()
            .copied()
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
                    cmdline
                        .split(|byte| *byte == 0)
                        .any(|arg| arg == entry.as_bytes())
                })
            })
            .collect();
        let group = stat(*proxy.first()?)?.group;
        let runtime: Vec<u32> = pids
            .into_iter()
            .filter(|pid| !proxy.contains(pid))
            .filter(|pid| stat(*pid).is_some_and(|stat| stat.group == group))
            .collect();
        (!runtime.is_empty()).then_some(Workerd { runtime, proxy })
    }

    /// The resident memory of the processes that run the Worker, in MiB (`VmRSS`).
    pub fn resident_mib(&self) -> Option<f64> {
        let kib: Vec<u64> = self
            .runtime
            .iter()
            .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
            .filter_map(|status| {
                let line = status
                    .lines()
                    .find_map(|line| line.strip_prefix("VmRSS:"))?;
                line.trim().trim_end_matches("kB").trim().parse().ok()
            })
            .collect();
        (!kib.is_empty()).then(|| kib.iter().sum::<u64>() as f64 / 1024.0)
    }

    /// The runtime's own entry socket, as an origin (`http://127.0.0.1:<port>`): the one of
    /// its listening ports that answers a request as `proxied` (the origin `wrangler dev`
    /// serves) does, byte for byte. Through it a client reaches the Worker without
    /// `wrangler dev`'s proxy, whose process would otherwise hold two descriptors for every
    /// socket (it runs out long before workerd does). `None` if no port answers alike.
    pub async fn direct_origin(&self, proxied: &str) -> Option<String> {
        // A path the relay answers itself (a JSON 404 with its own code), so that the
        // inspector's and the debug port's answers never match.
        const PROBE: &str = "/v1/bench-probe";
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(3))
            .build()
            .ok()?;
        let answer = |origin: String| {
            let http = http.clone();
            async move {
                let response = http.get(format!("{origin}{PROBE}")).send().await.ok()?;
                let status = response.status();
                Some((status, response.text().await.ok()?))
            }
        };
        let expected = answer(proxied.trim_end_matches('/').to_string()).await?;
        for pid in &self.runtime {
            for port in crate::bench::profile::inspector::listening_ports(*pid) {
                let origin = format!("http://127.0.0.1:{port}");
                if answer(origin.clone()).await.as_ref() == Some(&expected) {
                    return Some(origin);
                }
            }
        }
        None
    }

    /// The processes that run the Worker and its objects (where their inspector listens).
    pub fn runtime_pids(&self) -> &[u32] {
        &self.runtime
    }

    /// The CPU time these processes have spent so far.
    pub fn cpu(&self) -> CpuTime {
        let per_second = ticks_per_second();
        let seconds = |pids: &[u32]| {
            pids.iter()
                .filter_map(|pid| stat(*pid))
                .map(|stat| stat.ticks as f64 / per_second)
                .sum()
        };
        CpuTime {
            runtime: seconds(&self.runtime),
            proxy: seconds(&self.proxy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_group_and_cpu_ticks_past_a_name_with_spaces() {
        let line = "4242 (work (er) d) S 4200 4100 4100 0 -1 4194560 8132 0 12 0 \
                    731 96 0 0 20 0 9 0 123456 1016008704 30000 18446744073709551615";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                group: 4100,
                ticks: 731 + 96
            })
        );
        assert_eq!(parse_stat("4242 (workerd) S 1"), None);
    }

    #[test]
    fn finds_this_process_in_its_own_stat() {
        let own = std::fs::read_to_string("/proc/self/stat").unwrap();
        let stat = parse_stat(&own).unwrap();
        assert!(stat.group > 0, "{own}");
    }

    #[test]
    fn spent_time_is_a_difference() {
        let before = CpuTime {
            runtime: 1.5,
            proxy: 0.25,
        };
        let after = CpuTime {
            runtime: 2.0,
            proxy: 0.5,
        };
        assert_eq!(
            after.since(before),
            CpuTime {
                runtime: 0.5,
                proxy: 0.25
            }
        );
    }
}
