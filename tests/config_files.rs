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

/// The `hoga` binary cargo built for these tests. `HOGA_TEST_BIN` overrides it: when several
/// checkouts share one target dir, another checkout's build can replace `target/debug/hoga`
/// between this checkout's build and its test run.
fn hoga_bin() -> PathBuf {
    std::env::var_os("HOGA_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_hoga")))
}

/// Runs the real binary with a clean environment: no HOGA_/KIS_ variables, HOGA_HOME = `home`.
fn hoga(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(hoga_bin());
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

/// Every file the TUI would refuse at start (here `[keys]`) is refused at load instead: exit 2
/// with file:line and the key from `--check-config` and from every mode, before any of them runs.
#[test]
fn bad_keys_exit_2_at_load_in_every_mode() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("config.toml"),
        "[keys]\nfly = \"x\"\nquit = \"hyper-q\"\n",
    )
    .expect("write");
    for args in [
        &["--check-config"][..],
        &["--source", "mock", "quote", "005930"],
        &["--ingest"],
        &["--source", "mock"], // the TUI: refused before the terminal is touched
    ] {
        let out = hoga(tmp.path(), args, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("config.toml:2:1: key `keys.fly`")
                && stderr.contains("config.toml:3:1: key `keys.quit`")
                && stderr.contains("hyper-q"),
            "{args:?}: {stderr}"
        );
    }
    let out = hoga(
        tmp.path(),
        &["--check-config", "--config", "/dev/null"],
        &[("HOGA_KEYS_SEARCH", "ctrl-")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("HOGA_KEYS_SEARCH") && stderr.contains("keys.search"),
        "{stderr}"
    );
}

/// The numbers of issue 9 from the environment: exit 2 naming the variable and the key.
#[test]
fn huge_env_numbers_exit_2_naming_the_variable() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (var, val, key) in [
        (
            "HOGA_KIS_TOKEN_REFRESH_MARGIN_SECS",
            "9223372036854775807",
            "kis.token_refresh_margin_secs",
        ),
        (
            "HOGA_KIS_TOKEN_REFRESH_MARGIN_SECS",
            "1e13",
            "kis.token_refresh_margin_secs",
        ),
        (
            "HOGA_BREAKER_OPEN_SECS",
            "9223372036854775807",
            "breaker.open_secs",
        ),
        ("HOGA_BREAKER_OPEN_SECS", "1e11", "breaker.open_secs"),
        (
            "HOGA_CACHE_PRICE_TTL_SECS",
            "9223372036854775807",
            "cache.price_ttl_secs",
        ),
    ] {
        let out = hoga(tmp.path(), &["--check-config"], &[(var, val)]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}={val}: {stderr}");
        assert!(
            stderr.contains(&format!("environment variable {var}: key `{key}`"))
                && stderr.contains("expected an integer from"),
            "{var}={val}: {stderr}"
        );
    }
}

#[cfg(unix)]
#[test]
fn an_endless_config_file_is_cut_off() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = hoga(
        tmp.path(),
        &["--check-config", "--config", "/dev/zero"],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("/dev/zero") && stderr.contains("larger than 1024 KiB"),
        "{stderr}"
    );
}

#[test]
fn check_config_hides_passwords_in_urls() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("config.toml"),
        "[redis]\nurl = \"redis://:hunter2redis@cache.internal:6379/\"\n",
    )
    .expect("write");
    let out = hoga(
        tmp.path(),
        &["--check-config"],
        &[
            ("HOGA_KIS_BASE_URL", "http://proxy:hunter2kis@127.0.0.1:9"),
            (
                "HOGA_INGEST_STORE",
                "postgres://ingest:hunter2pg@db.internal/hoga",
            ),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    for s in [&stdout, &stderr] {
        assert!(!s.contains("hunter2"), "password leaked: {s}");
    }
    for shown in [
        "url = \"redis://:***@cache.internal:6379/\"",
        "base_url = \"http://proxy:***@127.0.0.1:9\"",
        "store = \"postgres://ingest:***@db.internal/hoga\"",
        "server http://proxy:***@127.0.0.1:9,",
    ] {
        assert!(stdout.contains(shown), "{shown}: {stdout}");
    }
}

#[test]
fn half_of_the_credentials_is_named_not_silently_simulated() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = hoga(
        tmp.path(),
        &["--check-config"],
        &[("KIS_APP_KEY", "PSonlykey1")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.lines().any(|l| l.starts_with("# warning: ")
            && l.contains("kis.app_key is set but kis.app_secret is not")),
        "{stdout}"
    );
    let out = hoga(
        tmp.path(),
        &["--check-config"],
        &[("KIS_APP_SECRET", "onlysecret1")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("kis.app_secret is set but kis.app_key is not"),
        "{stdout}"
    );
    assert!(!stdout.contains("onlysecret1"), "{stdout}");
    // `--source kis` fails, and the warning before it says which half is missing.
    let out = hoga(
        tmp.path(),
        &["--source", "kis", "quote", "005930"],
        &[("KIS_APP_KEY", "PSonlykey1")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("kis.app_secret is not"), "{stderr}");
}

/// `umask 000` used to give 0777 state and log dirs and 0666 log files.
#[cfg(unix)]
#[test]
fn state_and_log_files_are_private_under_umask_000() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("umask 000; exec \"$0\" --check-config")
        .arg(hoga_bin());
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().to_string();
        if k.starts_with("HOGA_") || k.starts_with("KIS_") || k == "RUST_LOG" {
            cmd.env_remove(&k);
        }
    }
    let out = cmd.env("HOGA_HOME", &home).output().expect("run sh");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let logs = home.join("state").join("logs");
    for dir in [home.clone(), home.join("state"), logs.clone()] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    let files: Vec<PathBuf> = std::fs::read_dir(&logs)
        .expect("log dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(!files.is_empty(), "no log file");
    for f in files {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}
