//! The real binary as a test runs it: started in a directory of the test's
//! choosing, serving on a port the test bound and hands over (`LISTEN_FDS`,
//! descriptor 3), its output gathered as it runs, killed when dropped; and
//! plain HTTP/1.1 exchanges with it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The `standards-registry` binary cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_standards-registry");

/// A running server process.
pub struct Process {
    child: Child,
    output: Arc<Mutex<String>>,
    /// The port it serves on, when it was handed one.
    pub port: u16,
}

impl Process {
    /// `standards-registry ARGS` in `dir`, with `env` on top of a clean
    /// environment for what it reads (`DATABASE_URL`, `REGISTRY_*`, OTLP),
    /// serving on a loopback port bound here.
    pub fn serve(args: &[&str], env: &[(&str, &str)], dir: &Path) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().unwrap().port();
        let mut command = Command::new(BINARY);
        {
            use command_fds::{CommandFdExt, FdMapping};
            command
                .fd_mappings(vec![FdMapping {
                    parent_fd: std::os::fd::OwnedFd::from(listener),
                    child_fd: 3,
                }])
                .expect("descriptor 3 is free");
        }
        for (name, _) in std::env::vars() {
            if name.starts_with("REGISTRY_") || name.starts_with("OTEL_") || name == "DATABASE_URL"
            {
                command.env_remove(name);
            }
        }
        command
            .args(args)
            .current_dir(dir)
            .env("LISTEN_FDS", "1")
            .env("RUST_LOG", "info,sqlx=warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let mut output = output.lock().unwrap();
                    output.push_str(&line);
                    output.push('\n');
                }
            });
        }
        Self {
            child,
            output,
            port,
        }
    }

    /// Everything it wrote so far, stdout and stderr.
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Waits until it writes `text`, for `within` at most.
    pub fn wait_for_output(&mut self, text: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.output().contains(text) {
            assert!(
                self.child.try_wait().unwrap().is_none(),
                "exited before writing {text:?}:\n{}",
                self.output()
            );
            assert!(
                Instant::now() < deadline,
                "no {text:?} within {within:?}:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `/readyz` answers 200, for `within` at most.
    pub fn wait_ready(&mut self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            if let Ok((200, _)) = http(self.port, "GET", "/readyz", "") {
                return;
            }
            assert!(
                self.child.try_wait().unwrap().is_none(),
                "the server exited:\n{}",
                self.output()
            );
            assert!(
                Instant::now() < deadline,
                "not ready within {within:?}:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs `query` and returns the whole answer; it must be HTTP 200.
    pub fn query(&self, query: &str) -> Value {
        let body = json!({ "query": query }).to_string();
        let (status, body) = http(self.port, "POST", "/graphql", &body).expect("an answer");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap_or_else(|err| panic!("{err}: {body}"))
    }

    /// A field of the process's `/proc/PID/status`, e.g. `THP_enabled`: its value.
    #[cfg(target_os = "linux")]
    pub fn status(&self, field: &str) -> Option<String> {
        proc_status(&self.child.id().to_string(), field)
    }
}

/// A field of `/proc/PROCESS/status` (`PROCESS` a pid, or `self`): its value.
#[cfg(target_os = "linux")]
pub fn proc_status(process: &str, field: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).ok()?;
    status.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        (name == field).then(|| value.trim().to_owned())
    })
}

impl Drop for Process {
    fn drop(&mut self) {
        // Our own child, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary run to its end in `dir` with `args` and `env` (and nothing of
/// the caller's `REGISTRY_*`, OTLP or `DATABASE_URL`).
pub fn run_to_end(args: &[&str], env: &[(&str, &str)], dir: &Path) -> std::process::Output {
    let mut command = Command::new(BINARY);
    for (name, _) in std::env::vars() {
        if name.starts_with("REGISTRY_") || name.starts_with("OTEL_") || name == "DATABASE_URL" {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "info,sqlx=warn")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

/// One HTTP/1.1 exchange on a fresh connection to `port`: the status and the body.
pub fn http(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no answer: {raw:?}")))?;
    let status = head
        .get(9..12)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status: {head}")))?;
    Ok((status, body.to_owned()))
}
