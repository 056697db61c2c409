//! How busy the machine was with work that is not the benchmark's: the CPU
//! time of every process, less this driver, the servers under test (the
//! registry and the peers) and PostgreSQL's processes, over a cell. On a shared machine (compilers running beside
//! the suite) this tells which figures were measured on a loaded machine.

use std::time::{Duration, Instant};

/// Linux reports CPU time in USER_HZ, 100 per second on every common kernel.
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Clone, Copy, Debug)]
pub struct Sample {
    at: Instant,
    /// Busy ticks of all CPUs.
    busy: u64,
    /// Ticks of the benchmark's own processes.
    ours: u64,
}

fn process_ticks(stat: &str) -> Option<(String, u64)> {
    // pid (comm) state ppid ... utime stime: fields 14 and 15, counted after the comm.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat[open + 1..close].to_owned();
    let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

/// A sample now; `servers` are the pids of the servers under test.
pub fn sample(servers: &[u32]) -> Sample {
    let busy = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|stat| {
            let line = stat.lines().next()?.to_owned();
            let ticks: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|t| t.parse().ok())
                .collect();
            // user nice system idle iowait irq softirq steal ..
            let total: u64 = ticks.iter().take(8).sum();
            let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
            Some(total - idle)
        })
        .unwrap_or(0);
    let me = std::process::id();
    let mut ours = 0;
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let Some((comm, ticks)) = process_ticks(&stat) else {
                continue;
            };
            if pid == me || servers.contains(&pid) || comm == "postgres" {
                ours += ticks;
            }
        }
    }
    Sample {
        at: Instant::now(),
        busy,
        ours,
    }
}

/// Cores' worth of CPU that other processes used between two samples.
/// (A process that ended in between makes this an estimate.)
pub fn foreign_cores(from: &Sample, to: &Sample) -> f64 {
    let seconds = (to.at - from.at).as_secs_f64().max(1e-3);
    let busy = to.busy.saturating_sub(from.busy) as f64;
    let ours = to.ours.saturating_sub(from.ours) as f64;
    ((busy - ours).max(0.0) / TICKS_PER_SECOND) / seconds
}

/// Waits, at most `limit`, until other processes use less than `max_cores`
/// over half a second; returns the last such reading. A zero `limit` does
/// not wait at all (a smoke run).
pub async fn wait_for_quiet(servers: &[u32], max_cores: f64, limit: Duration) -> f64 {
    if limit.is_zero() {
        return 0.0;
    }
    let deadline = Instant::now() + limit;
    loop {
        let from = sample(servers);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let load = foreign_cores(&from, &sample(servers));
        if load <= max_cores || Instant::now() >= deadline {
            return load;
        }
    }
}
