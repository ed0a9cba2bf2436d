//! Config files end to end: every file in tests/valid_configs loads, every file in
//! tests/invalid_configs fails naming what its `# expect:` lines say (the key, or the line for
//! TOML syntax errors), and `hoga --check-config` exits 0 / 2 accordingly.

use hoga::config::{Config, EnvVars};
use hoga::paths::Paths;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn toml_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("config dir exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn load(file: &Path) -> Result<hoga::config::LoadedConfig, hoga::config::ConfigError> {
    let tmp = tempfile::tempdir().expect("tempdir");
    Config::load_with_env(Some(file), &Paths::under(tmp.path()), &EnvVars::default())
}

#[test]
fn every_valid_config_loads() {
    let files = toml_files("valid_configs");
    assert!(
        files.len() >= 5,
        "expected several valid configs, found {}",
        files.len()
    );
    for f in files {
        if let Err(e) = load(&f) {
            panic!("{} should load: {e}", f.display());
        }
    }
}

#[test]
fn every_invalid_config_fails_naming_the_key() {
    let files = toml_files("invalid_configs");
    assert!(
        files.len() >= 10,
        "expected many invalid configs, found {}",
        files.len()
    );
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        // `# expect: KEY` → the message names `KEY`; `# expect-text: T` → it contains T.
        let mut expects: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .map(|k| format!("`{k}`"))
            .collect();
        expects.extend(
            text.lines()
                .filter_map(|l| l.strip_prefix("# expect-text: "))
                .map(String::from),
        );
        let expects_not: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect-not: "))
            .collect();
        assert!(
            !expects.is_empty(),
            "{} has no `# expect:` or `# expect-text:` line",
            f.display()
        );
        let err = match load(&f) {
            Ok(_) => panic!("{} should fail to load", f.display()),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains(&f.display().to_string()),
            "{}: message must name the file: {err}",
            f.display()
        );
        for e in expects {
            assert!(
                err.contains(&e),
                "{}: message should contain {e}: {err}",
                f.display()
            );
        }
        for e in expects_not {
            assert!(
                !err.contains(e),
                "{}: message must not contain {e}: {err}",
                f.display()
            );
        }
    }
}

/// Runs the real binary with a clean environment: no HOGA_/KIS_ variables, HOGA_HOME = `home`.
fn hoga(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hoga"));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().to_string();
        if k.starts_with("HOGA_") || k.starts_with("KIS_") || k == "RUST_LOG" {
            cmd.env_remove(&k);
        }
    }
    cmd.env("HOGA_HOME", home)
        .args(args)
        .envs(env.iter().copied());
    cmd.output().expect("run hoga")
}

#[test]
fn check_config_prints_redacted_config_and_exits_0() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("config.toml");
    std::fs::write(
        &file,
        "[kis]\napp_key = \"PSverysecretkey123\"\nvirtual = true\n",
    )
    .expect("write");
    let out = hoga(
        tmp.path(),
        &["--check-config"],
        &[("KIS_APP_SECRET", "env-secret-value")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stdout.contains("app_key = \"<redacted, 18 chars>\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("app_secret = \"<redacted, 16 chars>\""),
        "{stdout}"
    );
    assert!(stdout.contains("virtual = true"), "{stdout}");
    assert!(
        stdout.contains("KIS_APP_SECRET"),
        "names the override: {stdout}"
    );
    for s in [&stdout, &stderr] {
        assert!(
            !s.contains("PSverysecretkey123") && !s.contains("env-secret-value"),
            "secret leaked: {s}"
        );
    }
    // The printed config is itself a valid config.
    let body: String = stdout
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(toml::from_str::<toml::Table>(&body).is_ok(), "{body}");
    // Logs went to the state dir, not elsewhere; the secret is not in them either.
    let logs = tmp.path().join("state").join("logs");
    for entry in std::fs::read_dir(&logs).expect("log dir created").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        assert!(
            !text.contains("PSverysecretkey123"),
            "secret in log: {text}"
        );
    }
}

#[test]
fn check_config_on_bad_config_exits_2_naming_the_problem() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("config.toml"),
        "[cache]\nprice_ttl_secs = \"long\"\n",
    )
    .expect("write");
    let out = hoga(tmp.path(), &["--check-config"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cache.price_ttl_secs") && stderr.contains("config.toml:2:"),
        "{stderr}"
    );

    let out = hoga(
        tmp.path(),
        &["--check-config", "--config", "/nonexistent/hoga.toml"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/hoga.toml"));

    std::fs::remove_file(tmp.path().join("config.toml")).expect("rm");
    let out = hoga(
        tmp.path(),
        &["--check-config"],
        &[("HOGA_REDIS_TIMEOUT_MS", "fast")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("HOGA_REDIS_TIMEOUT_MS") && stderr.contains("redis.timeout_ms"),
        "{stderr}"
    );

    let out = hoga(
        tmp.path(),
        &["--check-config", "--log-level", "hoga=loud"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn check_config_warns_about_a_readable_secret_file() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("config.toml");
    std::fs::write(&file, "[kis]\napp_secret = \"s3cr3t\"\n").expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = hoga(tmp.path(), &["--check-config"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("chmod 600"), "{all}");
    assert!(!all.contains("s3cr3t"), "{all}");
}
