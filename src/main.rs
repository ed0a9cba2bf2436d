//! The `hoga` binary: parse the command line, start logging, load the config, dispatch.

use anyhow::Result;
use clap::Parser;
use hoga::cli::Cli;
use hoga::config::{Config, LoadedConfig};
use hoga::logging::{self, LogMode};
use hoga::paths::Paths;
use std::process::ExitCode;

/// Exit code for a bad config or bad arguments (clap uses 2 for the latter too).
const EXIT_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let paths = Paths::discover();
    let mode = if cli.runs_tui() {
        LogMode::Tui
    } else if cli.command.is_some() {
        LogMode::Lookup
    } else {
        LogMode::Headless
    };
    let _log = match logging::init(mode, cli.log_level.as_deref(), &paths) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("hoga: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let loaded = match Config::load(cli.config.as_deref(), &paths) {
        Ok(loaded) => loaded,
        Err(e) => {
            tracing::error!(target: logging::FILE_ONLY, "config: {e}");
            eprintln!("hoga: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    match run(cli, loaded, paths) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(target: logging::FILE_ONLY, "{e:#}");
            eprintln!("hoga: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// What to do, once the config is known. Each mode is one arm.
fn run(cli: Cli, loaded: LoadedConfig, paths: Paths) -> Result<ExitCode> {
    if cli.check_config {
        print!("{}", check_config_report(&loaded));
        return Ok(ExitCode::SUCCESS);
    }
    match cli.command {
        Some(command) => Ok(ExitCode::from(hoga::lookup::execute(
            command.into_lookup(),
            &loaded.config,
            &paths,
            cli.source.into(),
        ))),
        None if cli.ingest => {
            let rt = tokio::runtime::Runtime::new()?;
            let code = rt.block_on(hoga::ingest::cmd::main(
                &cli.ingest_args,
                &loaded.config,
                &paths,
            ));
            Ok(ExitCode::from(code.clamp(0, 255) as u8))
        }
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
            run_tui(&cli, &loaded.config, &paths)
        }
    }
}

/// The full-screen monitor on its own tokio runtime.
fn run_tui(cli: &Cli, config: &Config, paths: &Paths) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let source = hoga::tui::source_for(cli.source, config, paths).await?;
        hoga::tui::run(config, paths, source).await
    })?;
    Ok(ExitCode::SUCCESS)
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
    let kis = &loaded.config.kis;
    out.push_str(&format!(
        "# KIS: {} server {}, {} requests/s, credentials {}\n\n",
        if kis.virtual_server {
            "virtual"
        } else {
            "real"
        },
        hoga::store::redact_url(&kis.effective_base_url()),
        kis.effective_rate(),
        if kis.has_credentials() {
            "set"
        } else {
            "not set (simulated market)"
        },
    ));
    out.push_str(&loaded.config.to_redacted_toml());
    out
}
