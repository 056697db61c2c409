//! A server under test as a child process (the registry's release binary, or
//! a peer): importing a dataset with the registry, serving on a loopback
//! port, its start-up time and its memory as `ps` and a container see it.

use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hyper::StatusCode;

use crate::load::Client;

/// A child with an empty environment but `PATH`, its output appended to `log`.
pub fn bare_command(program: &Path, log: &Path) -> Result<Command> {
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(File::options().create(true).append(true).open(log)?)
        .stderr(File::options().create(true).append(true).open(log)?);
    Ok(command)
}

/// The environment every registry child runs with: the database and the
/// server's default log filter, nothing else, so every other setting is its default.
fn command(bin: &Path, database_url: &str, log: &Path) -> Result<Command> {
    let mut command = bare_command(bin, log)?;
    command
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "info,sqlx=warn");
    Ok(command)
}

/// `standards-registry serve` on `addr`, on an existing database, with the
/// extra arguments and environment given (`--response-cache-mib 0`, ...).
pub fn serve_command(
    bin: &Path,
    database_url: &str,
    log: &Path,
    addr: SocketAddr,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<Command> {
    let mut command = command(bin, database_url, log)?;
    command
        .arg("serve")
        .arg("--bind")
        .arg(addr.to_string())
        .arg("--dataset")
        .arg("/nonexistent")
        .args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    Ok(command)
}

/// Whether `standards-registry serve --help` lists `flag`.
pub fn serve_accepts(bin: &Path, flag: &str) -> bool {
    Command::new(bin)
        .args(["serve", "--help"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains(flag))
        .unwrap_or(false)
}

/// `standards-registry import FILE`; the time it took.
pub fn import(bin: &Path, database_url: &str, file: &Path, log: &Path) -> Result<Duration> {
    let start = Instant::now();
    let status = command(bin, database_url, log)?
        .arg("import")
        .arg(file)
        .status()
        .context("running the import")?;
    if !status.success() {
        bail!(
            "import of {} failed ({status}); see {}",
            file.display(),
            log.display()
        );
    }
    Ok(start.elapsed())
}

/// A free loopback port, found by binding port 0.
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A free loopback address.
pub fn free_addr() -> Result<SocketAddr> {
    Ok(format!("127.0.0.1:{}", free_port()?).parse()?)
}

pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// From spawning the process to the first answer of `probe`.
    pub startup: Duration,
}

impl Server {
    /// Starts `serve` on an existing database and waits for the first answer
    /// to `probe` (a GraphQL request body), for at most `timeout`.
    pub async fn start(
        bin: &Path,
        database_url: &str,
        log: &Path,
        probe: Bytes,
        timeout: Duration,
    ) -> Result<Self> {
        let addr = free_addr()?;
        let command = serve_command(bin, database_url, log, addr, &[], &[])?;
        Self::spawn(command, addr, log, probe, timeout).await
    }

    /// Spawns `command`, a server that will listen on `addr`, and waits for
    /// its first answer to `probe` (a GraphQL request body), for at most `timeout`.
    pub async fn spawn(
        mut command: Command,
        addr: SocketAddr,
        log: &Path,
        probe: Bytes,
        timeout: Duration,
    ) -> Result<Self> {
        let start = Instant::now();
        let child = command.spawn().context("starting the server")?;
        let mut server = Self {
            child,
            addr,
            startup: Duration::ZERO,
        };
        loop {
            if start.elapsed() > timeout {
                server.stop();
                bail!(
                    "the server did not answer within {timeout:?}; see {}",
                    log.display()
                );
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("the server exited ({status}); see {}", log.display());
            }
            if let Ok(mut client) = Client::connect(addr).await
                && let Ok((StatusCode::OK, _)) = client.post(probe.clone()).await
            {
                server.startup = start.elapsed();
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// (VmHWM, VmRSS) in KiB: the peak and current resident memory, as
    /// `ps` (RSS) and a container's memory accounting see the process.
    pub fn memory(&self) -> Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let field = |name: &str| status_field(&status, name).unwrap_or(0);
        Ok((field("VmHWM:"), field("VmRSS:")))
    }

    /// Samples the server's anonymous resident memory (`RssAnon`: its heap
    /// and stacks) every 50 ms until it exits; the peak so far, in KiB, is in
    /// the returned cell. VmHWM also counts the pages of the SQLite file that
    /// each pooled connection has memory-mapped, once per mapping, although
    /// they are the operating system's one page cache.
    pub fn sample_anon_peak(&self) -> Arc<AtomicU64> {
        let peak = Arc::new(AtomicU64::new(0));
        let path = format!("/proc/{}/status", self.pid());
        let cell = peak.clone();
        tokio::spawn(async move {
            while let Ok(status) = tokio::fs::read_to_string(&path).await {
                if let Some(kib) = status_field(&status, "RssAnon:") {
                    cell.fetch_max(kib, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        peak
    }

    /// How the process ended, once it has (after `stop`, say); `None` while it runs.
    pub fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM (graceful shutdown), then SIGKILL after 10 s.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

/// Builds the release binary of the server (unless `bin` is given) and returns its path.
pub fn binary(workspace: &Path, given: Option<PathBuf>, build: bool) -> Result<PathBuf> {
    if let Some(bin) = given {
        return Ok(bin);
    }
    if build {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .current_dir(workspace)
            .args([
                "build",
                "--release",
                // With this crate selected too, dependencies are built with the
                // features `cargo run -p registry-bench` already built them with,
                // instead of a second time with the server's own set.
                "--package",
                "registry-bench",
                "--package",
                "standards-registry",
                "--bin",
                "standards-registry",
            ])
            .status()
            .context("running cargo build")?;
        if !status.success() {
            bail!("cargo build --release of the server failed");
        }
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"));
    let bin = target.join("release/standards-registry");
    if !bin.exists() {
        bail!("{} does not exist", bin.display());
    }
    Ok(bin)
}

/// A `Name:   1234 kB` line of /proc/PID/status, in KiB.
fn status_field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find(|line| line.starts_with(name))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
}
