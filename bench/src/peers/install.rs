//! Getting each peer ready to start: `npm ci` in a Node peer's folder when
//! its installed packages are missing or older than its lock file, and
//! `cargo build --release` of seaography's own workspace (a no-op when it is
//! up to date). A peer whose toolchain is missing, or whose install fails,
//! is not ready, with the reason: the suite skips it (or, with
//! `--require-peers`, fails).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::Peer;

/// How to start a peer: the program and the arguments before its own
/// `--database ... --port ...`.
#[derive(Clone, Debug)]
pub struct Launcher {
    pub program: PathBuf,
    pub args: Vec<String>,
}

/// Whether `program --version` runs; its first line.
fn version(program: &str) -> Option<String> {
    let out = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    })
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Readies `peer` from the workspace `root`; `seaography_bin` is a prebuilt
/// seaography peer to use instead of building one.
pub fn prepare(peer: Peer, root: &Path, seaography_bin: Option<&Path>) -> Result<Launcher, String> {
    let dir = root.join("bench/peers").join(peer.name());
    match peer {
        Peer::Node | Peer::PostGraphile => {
            let node = version("node").ok_or("`node` is not on PATH")?;
            // npm ci writes node_modules/.package-lock.json last: missing or
            // older than package-lock.json means not (or not fully) installed.
            let installed = modified(&dir.join("node_modules/.package-lock.json"));
            let locked = modified(&dir.join("package-lock.json"));
            if installed.is_none() || installed < locked {
                version("npm").ok_or("`npm` is not on PATH")?;
                eprintln!("[peers] npm ci in {} (node {node})", dir.display());
                let status = Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(&dir)
                    .stdin(Stdio::null())
                    .status()
                    .map_err(|e| format!("running npm ci: {e}"))?;
                if !status.success() {
                    return Err(format!("npm ci in {} failed ({status})", dir.display()));
                }
            }
            Ok(Launcher {
                program: PathBuf::from("node"),
                args: vec![dir.join("server.mjs").display().to_string()],
            })
        }
        Peer::Seaography => {
            if let Some(bin) = seaography_bin {
                if !bin.exists() {
                    return Err(format!("{} does not exist", bin.display()));
                }
                return Ok(Launcher {
                    program: bin.to_owned(),
                    args: Vec::new(),
                });
            }
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            version(&cargo).ok_or("`cargo` is not on PATH")?;
            eprintln!(
                "[peers] cargo build --release in {} (≈ 13 min from scratch on 2 cores; quick when up to date)",
                dir.display()
            );
            // Its own workspace, lock and target/ (it pins another
            // async-graphql than the registry's): never a shared target dir.
            let status = Command::new(&cargo)
                .args(["build", "--release", "--quiet"])
                .current_dir(&dir)
                .env_remove("CARGO_TARGET_DIR")
                .stdin(Stdio::null())
                .status()
                .map_err(|e| format!("running cargo build: {e}"))?;
            if !status.success() {
                return Err(format!(
                    "cargo build --release in {} failed ({status})",
                    dir.display()
                ));
            }
            Ok(Launcher {
                program: dir.join("target/release/seaography-peer"),
                args: Vec::new(),
            })
        }
    }
}
