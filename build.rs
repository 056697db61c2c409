//! Turns the PostgreSQL tests on when `TEST_POSTGRES_URL` is set at build
//! time; without it they are compiled but reported as ignored, so a plain
//! `cargo test` shows them as skipped rather than silently passing. Under CI
//! (`CI=true`) they are always on: without a PostgreSQL to run them on they
//! fail, naming what is missing, instead of passing as ignored.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=CI");
    let postgres = std::env::var_os("TEST_POSTGRES_URL").is_some_and(|url| !url.is_empty());
    let ci = std::env::var("CI").is_ok_and(|ci| ci == "true" || ci == "1");
    if postgres || ci {
        println!("cargo::rustc-cfg=postgres_tests");
    }
    // The read replica tests (tests/replicas.rs) make clusters of their own:
    // without PostgreSQL's server binaries they are reported as ignored.
    println!("cargo::rustc-check-cfg=cfg(replica_tests)");
    if (postgres || ci) && server_binaries() {
        println!("cargo::rustc-cfg=replica_tests");
    }
}

/// Whether `pg_config --bindir` holds `initdb`, `pg_ctl` and `pg_basebackup`.
fn server_binaries() -> bool {
    let Ok(output) = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
    else {
        return false;
    };
    let bin = std::path::PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    output.status.success()
        && ["initdb", "pg_ctl", "pg_basebackup"]
            .iter()
            .all(|tool| bin.join(tool).exists())
}
