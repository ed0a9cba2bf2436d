//! The `hoga` binary: parse the command line, start logging, load the config, dispatch.

use anyhow::Result;
use hoga::cli::Cli;
use hoga::config::{Config, LoadedConfig, Settings};
use hoga::exit::Exit;
use hoga::logging::{self, LogMode};
use hoga::paths::Paths;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Why the monitor will not start without a terminal, and what works instead.
const NO_TERMINAL: &str = "hoga: the monitor needs a terminal (stdin and stdout must both be \
    one). Without a terminal use the headless commands: `hoga quote|book|chart|info|search` \
    for look-ups, `hoga ingest` for the daily ingestion (`hoga --help` lists them).";

fn main() -> ExitCode {
    // `hoga stream --duration` (and `hoga alerts --duration`) counts from the process start.
    let started = std::time::Instant::now();
    let cli = Cli::try_parse_checked(std::env::args_os()).unwrap_or_else(|e| e.exit());
    let paths = Paths::discover();
    let mode = if cli.runs_tui() {
        LogMode::Tui
    } else if cli.ingest_args().is_some() || cli.check_config {
        LogMode::Headless
    } else {
        LogMode::Lookup
    };
    let _log = match logging::init(mode, cli.log_level.as_deref(), &paths) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("hoga: {e}");
            return Exit::Config.into();
        }
    };
    let loaded = match Config::load(cli.config.as_deref(), &paths) {
        Ok(loaded) => loaded,
        Err(e) => {
            tracing::error!(target: logging::FILE_ONLY, "config: {e}");
            eprintln!("hoga: {e}");
            return Exit::Config.into();
        }
    };
    // Before the monitor starts (a bad config is still reported first): without a terminal
    // it would fail with a bare OS error (ENXIO), and with stdout redirected it would draw
    // its screen into the file.
    if cli.runs_tui() && !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        eprintln!("{NO_TERMINAL}");
        return Exit::Config.into();
    }
    match run(cli, loaded, paths, started) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(target: logging::FILE_ONLY, "{e:#}");
            eprintln!("hoga: {e:#}");
            Exit::Data.into()
        }
    }
}

/// What to do, once the config is known. Each mode is one arm.
fn run(
    mut cli: Cli,
    loaded: LoadedConfig,
    paths: Paths,
    started: std::time::Instant,
) -> Result<ExitCode> {
    let clock = hoga::clock::from_mode(&cli.clock);
    if cli.check_config {
        print!("{}", check_config_report(&loaded));
        return Ok(Exit::Ok.into());
    }
    // `hoga --ingest …` and `hoga ingest …`: one path.
    if let Some(args) = cli.ingest_args() {
        let rt = tokio::runtime::Runtime::new()?;
        let s = &loaded.settings;
        let code = rt.block_on(hoga::ingest::cmd::main(args, &s.source, &s.ingest, clock));
        return Ok(ExitCode::from(code.clamp(0, 255) as u8));
    }
    if let Some(hoga::cli::Command::Stream(args)) = &cli.command {
        return Ok(ExitCode::from(hoga::stream::execute(
            args,
            &loaded.settings.source,
            cli.source.into(),
            clock,
            started,
        )));
    }
    if let Some(hoga::cli::Command::Alerts(args)) = &cli.command {
        return Ok(ExitCode::from(hoga::alerts::execute(
            args,
            &loaded.settings,
            cli.source.into(),
            clock,
            started,
        )));
    }
    match cli.command.take().and_then(|c| c.into_lookup()) {
        Some(lookup) => Ok(ExitCode::from(hoga::lookup::execute(
            lookup,
            &loaded.settings.source,
            cli.source.into(),
            clock,
        ))),
        None => {
            // The TUI keeps logs off the terminal; show config warnings before it takes over
            // (they stay in the scrollback after it exits).
            for w in &loaded.warnings {
                eprintln!("hoga: warning: {w}");
            }
            // First run: leave a commented config (every key at its default) to edit.
            if cli.config.is_none() {
                match Config::create_default_file(&paths) {
                    Ok(Some(p)) => {
                        tracing::info!("wrote a commented default config to {}", p.display())
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!("cannot write a default config file: {e}"),
                }
            }
            run_tui(&cli, &loaded.settings, clock)
        }
    }
}

/// The full-screen monitor on its own tokio runtime.
fn run_tui(cli: &Cli, settings: &Settings, clock: hoga::clock::SharedClock) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let source =
            hoga::tui::source_for(cli.source.into(), &settings.source, clock.clone()).await?;
        hoga::tui::run(&settings.ui, source, clock).await
    })?;
    Ok(Exit::Ok.into())
}

/// `--check-config`: where the config came from, warnings, then the effective config as TOML.
fn check_config_report(loaded: &LoadedConfig) -> String {
    let mut out = String::from("# hoga: effective configuration (secrets redacted)\n");
    match &loaded.file {
        Some(f) => out.push_str(&format!("# file: {}\n", f.display())),
        None => out.push_str("# file: none (defaults)\n"),
    }
    if !loaded.env_overrides.is_empty() {
        out.push_str(&format!(
            "# environment overrides: {}\n",
            loaded.env_overrides.join(", ")
        ));
    }
    for w in &loaded.warnings {
        out.push_str(&format!("# warning: {w}\n"));
    }
    let kis = &loaded.settings.source.kis;
    out.push_str(&format!(
        "# KIS: {} server {}, {} requests/s, credentials {}\n\n",
        kis.env.label(),
        hoga::store::redact_url(&kis.base_url),
        kis.requests_per_sec,
        if kis.has_credentials() {
            "set"
        } else {
            "not set (simulated market)"
        },
    ));
    out.push_str(&loaded.config.to_redacted_toml());
    out
}
