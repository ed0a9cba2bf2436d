//! Where hoga keeps its config, state (token, watchlists, logs) and data (SQLite, master files).
//! `HOGA_HOME`, when set, puts everything under one directory (used by tests and CI).
//!
//! What hoga keeps there is private (the token, logs that may name accounts): directories it
//! creates are 0700 and files 0600 whatever the umask ([`create_private_dir`],
//! [`open_private_file`]).

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

/// Mode of the directories hoga creates.
pub const PRIVATE_DIR_MODE: u32 = 0o700;
/// Mode of the files hoga creates.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents with mode 0700 (the umask can only remove bits, so
/// 0700 holds under any umask). An existing `dir` open to group or others is narrowed to 0700;
/// parents that already exist are left alone.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        b.mode(PRIVATE_DIR_MODE);
        b.create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(PRIVATE_DIR_MODE))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    b.create(dir)
}

/// Opens `path` for appending, creating it with mode 0600; an existing file open to group or
/// others is narrowed to 0600.
pub fn open_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(PRIVATE_FILE_MODE);
        let f = opts.open(path)?;
        let mode = f.metadata()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(PRIVATE_FILE_MODE))?;
        }
        Ok(f)
    }
    #[cfg(not(unix))]
    opts.open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("stat").permissions().mode() & 0o777
    }

    #[test]
    fn private_dirs_and_files_are_created_and_narrowed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a").join("b");
        create_private_dir(&dir).expect("create");
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        create_private_dir(&dir).expect("again");
        assert_eq!(mode(&dir), 0o700, "an open existing dir is narrowed");

        let file = dir.join("f.log");
        open_private_file(&file).expect("create");
        assert_eq!(mode(&file), 0o600);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        open_private_file(&file).expect("reopen");
        assert_eq!(mode(&file), 0o600, "an open existing file is narrowed");
    }
}
