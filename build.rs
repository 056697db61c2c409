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
}
