//! The servers one run measures side by side: the registry with its default
//! settings, the registry with its response cache off, and each peer that
//! serves the backend, every one a child process on its own loopback port,
//! with its start-up time and its memory as `ps` and a container see it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Result;
use bytes::Bytes;

use crate::peers::Peer;
use crate::peers::install::Launcher;
use crate::report::ServerInfo;
use crate::server::{self, Server};

/// How long a server may take from spawn to its first answer (the Node
/// peer builds its full-text tables at start: about 1.5 s at size M).
const START_TIMEOUT: Duration = Duration::from_secs(180);

/// The registry's names in the report.
pub const REGISTRY: &str = "registry";
pub const REGISTRY_NO_CACHE: &str = "registry (no cache)";
/// The in-process floor's name in the report.
pub const FLOOR: &str = "floor";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Registry,
    Peer(Peer),
}

pub struct Target {
    pub name: String,
    pub kind: Kind,
    pub server: Server,
    /// Spawn to first answer, per start.
    pub startup_ms: Vec<f64>,
    pub rss_idle_kib: u64,
    pub anon_peak: Arc<AtomicU64>,
}

/// The body every peer is first asked (and `{ __typename }`'s measurement sends).
pub const TYPENAME: &[u8] = br#"{"query":"{ __typename }"}"#;

impl Target {
    /// The registry on `url`: `starts` times (the start-up time is their
    /// median), keeping the last; with `cache` false its response cache is
    /// off (`--response-cache-mib 0` where `serve` lists the flag, and
    /// `REGISTRY_RESPONSE_CACHE_MIB=0` always: harmless where unknown).
    pub async fn registry(
        bin: &Path,
        url: &str,
        log: &Path,
        probe: Bytes,
        cache: bool,
        cache_flag: bool,
        starts: usize,
    ) -> Result<Self> {
        let mut args: Vec<&str> = Vec::new();
        let mut env: Vec<(&str, &str)> = Vec::new();
        if !cache {
            if cache_flag {
                args.extend(["--response-cache-mib", "0"]);
            }
            env.push(("REGISTRY_RESPONSE_CACHE_MIB", "0"));
        }
        let mut startup_ms = Vec::new();
        let mut kept = None;
        for attempt in 0..starts.max(1) {
            let addr = server::free_addr()?;
            let command = server::serve_command(bin, url, log, addr, &args, &env)?;
            let mut started =
                Server::spawn(command, addr, log, probe.clone(), START_TIMEOUT).await?;
            startup_ms.push(started.startup.as_secs_f64() * 1000.0);
            if attempt + 1 < starts {
                started.stop();
            } else {
                kept = Some(started);
            }
        }
        let server = kept.expect("started at least once");
        Ok(Self::new(
            if cache { REGISTRY } else { REGISTRY_NO_CACHE }.to_owned(),
            Kind::Registry,
            server,
            startup_ms,
        ))
    }

    /// A peer on `database` (a file for the Node peer, a URL otherwise).
    pub async fn peer(peer: Peer, launcher: &Launcher, database: &str, log: &Path) -> Result<Self> {
        let addr = server::free_addr()?;
        let mut command = server::bare_command(&launcher.program, log)?;
        command.args(&launcher.args);
        match peer {
            Peer::Node => command.arg("--database").arg(database),
            Peer::PostGraphile | Peer::Seaography => command.arg("--database-url").arg(database),
        };
        command.arg("--port").arg(addr.port().to_string());
        let server = Server::spawn(
            command,
            addr,
            log,
            Bytes::from_static(TYPENAME),
            START_TIMEOUT,
        )
        .await?;
        let startup = server.startup.as_secs_f64() * 1000.0;
        Ok(Self::new(
            peer.name().to_owned(),
            Kind::Peer(peer),
            server,
            vec![startup],
        ))
    }

    fn new(name: String, kind: Kind, server: Server, startup_ms: Vec<f64>) -> Self {
        let rss_idle_kib = server.memory().map(|(_, rss)| rss).unwrap_or(0);
        let anon_peak = server.sample_anon_peak();
        Self {
            name,
            kind,
            server,
            startup_ms,
            rss_idle_kib,
            anon_peak,
        }
    }

    pub fn is_registry(&self) -> bool {
        self.kind == Kind::Registry
    }

    /// The report's line for this server, its memory read now (after its load).
    pub fn info(&self, describe: &str) -> ServerInfo {
        let (hwm, rss) = self.server.memory().unwrap_or((0, 0));
        ServerInfo {
            name: self.name.clone(),
            describe: describe.to_owned(),
            skipped: None,
            startup_ms: self.startup_ms.clone(),
            rss_idle_kib: self.rss_idle_kib,
            rss_end_kib: rss,
            hwm_kib: hwm,
            anon_peak_kib: self.anon_peak.load(Ordering::Relaxed),
        }
    }
}
