//! Where hoga keeps its config, state (token, watchlists, logs) and data (SQLite, master files).
//! `HOGA_HOME`, when set, puts everything under one directory (used by tests and CI).

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Paths {
    /// Default config file: `<config_dir>/hoga/config.toml`.
    pub config_file: PathBuf,
    /// Token file, watchlists, logs.
    pub state_dir: PathBuf,
    /// SQLite database, master-file copies.
    pub data_dir: PathBuf,
    /// Downloaded files that can be fetched again.
    pub cache_dir: PathBuf,
}

impl Paths {
    /// The platform directories (XDG on Linux), or everything under `$HOGA_HOME` when set.
    pub fn discover() -> Paths {
        if let Some(home) = std::env::var_os("HOGA_HOME").filter(|v| !v.is_empty()) {
            return Paths::under(Path::new(&home));
        }
        match directories::ProjectDirs::from("", "", "hoga") {
            Some(d) => Paths {
                config_file: d.config_dir().join("config.toml"),
                state_dir: d
                    .state_dir()
                    .unwrap_or_else(|| d.data_local_dir())
                    .to_path_buf(),
                data_dir: d.data_dir().to_path_buf(),
                cache_dir: d.cache_dir().to_path_buf(),
            },
            None => Paths::under(&std::env::temp_dir().join("hoga")),
        }
    }

    /// Every directory under `root` (tests, `HOGA_HOME`).
    pub fn under(root: &Path) -> Paths {
        Paths {
            config_file: root.join("config.toml"),
            state_dir: root.join("state"),
            data_dir: root.join("data"),
            cache_dir: root.join("cache"),
        }
    }

    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }
}
