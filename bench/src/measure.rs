//! Measuring targets side by side: at one concurrency, `--rounds` rounds,
//! each measuring every target once (`--warmup`, then `--duration`), the
//! order rotating from round to round so that no target always follows the
//! same one; a busy machine then slows every target alike. Each measurement
//! waits for a quiet machine first and is repeated once when other
//! processes were busy during it (see cpu.rs).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;

use crate::cpu;
use crate::floor::Floor;
use crate::load::{self, Measured, Requests};
use crate::shapes::{Shape, Variant};

/// What one target is sent.
#[derive(Clone)]
pub enum Load {
    Http {
        addr: SocketAddr,
        requests: Requests,
    },
    Floor {
        floor: Arc<Floor>,
        shape: Shape,
        variants: Arc<Vec<Variant>>,
    },
}

/// How every measurement runs.
#[derive(Clone)]
pub struct Settings {
    pub warmup: Duration,
    pub duration: Duration,
    pub rounds: usize,
    pub quiet_cores: f64,
    pub quiet_wait: Duration,
    pub noisy_cores: f64,
    /// The servers under test: their CPU is the benchmark's, not other load.
    pub pids: Vec<u32>,
}

async fn once(load: &Load, concurrency: usize, settings: &Settings) -> Result<Measured> {
    match load {
        Load::Http { addr, requests } => {
            load::http(
                *addr,
                requests.clone(),
                concurrency,
                settings.warmup,
                settings.duration,
            )
            .await
        }
        Load::Floor {
            floor,
            shape,
            variants,
        } => {
            load::floor(
                floor.clone(),
                *shape,
                variants.clone(),
                concurrency,
                settings.warmup,
                settings.duration,
            )
            .await
        }
    }
}

/// Measures `load` on a machine as quiet as it gets within `--quiet-wait`,
/// once more if other processes were busy during it; keeps the quieter one.
async fn quietly(load: &Load, concurrency: usize, settings: &Settings) -> Result<Measured> {
    let mut best: Option<Measured> = None;
    for _ in 0..2 {
        cpu::wait_for_quiet(&settings.pids, settings.quiet_cores, settings.quiet_wait).await;
        let from = cpu::sample(&settings.pids);
        let mut measured = once(load, concurrency, settings).await?;
        measured.foreign_cores = cpu::foreign_cores(&from, &cpu::sample(&settings.pids));
        let noisy = measured.foreign_cores > settings.noisy_cores;
        if best
            .as_ref()
            .is_none_or(|b| measured.foreign_cores < b.foreign_cores)
        {
            best = Some(measured);
        }
        if !noisy {
            break;
        }
    }
    Ok(best.expect("measured at least once"))
}

/// Every load at `concurrency`, `settings.rounds` times, alternating; the
/// measurements of each load, in round order.
pub async fn alternate(
    loads: &[Load],
    concurrency: usize,
    settings: &Settings,
) -> Result<Vec<Vec<Measured>>> {
    let mut rounds: Vec<Vec<Measured>> = vec![Vec::new(); loads.len()];
    for round in 0..settings.rounds.max(1) {
        for i in 0..loads.len() {
            let at = (i + round) % loads.len();
            rounds[at].push(quietly(&loads[at], concurrency, settings).await?);
        }
    }
    Ok(rounds)
}
