//! Named watchlists: edited in the UI, persisted as JSON in the state dir (written atomically),
//! seeded from `[watchlist]` in the config until the user first edits them.

use crate::market::StockCode;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Watchlist {
    pub name: String,
    pub codes: Vec<StockCode>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Watchlists {
    pub lists: Vec<Watchlist>,
    /// The list on screen.
    pub active: usize,
}

pub const FILE_NAME: &str = "watchlists.json";

impl Watchlists {
    /// The configured lists (`[watchlist]`, checked at load), or one empty list.
    pub fn new(seed: &[Watchlist]) -> Watchlists {
        let mut lists = seed.to_vec();
        if lists.is_empty() {
            lists.push(Watchlist {
                name: "관심종목".to_string(),
                codes: Vec::new(),
            });
        }
        Watchlists { lists, active: 0 }
    }

    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(FILE_NAME)
    }

    /// The saved lists if there is a readable file, otherwise the config's. A corrupt file is
    /// reported (its path and why, for the UI to word) and left alone rather than silently
    /// overwritten.
    pub fn load(
        state_dir: &Path,
        seed: &[Watchlist],
    ) -> (Watchlists, Option<(std::path::PathBuf, String)>) {
        let path = Self::path(state_dir);
        match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<Watchlists>(&bytes) {
                Ok(mut w) if !w.lists.is_empty() => {
                    w.active = w.active.min(w.lists.len() - 1);
                    (w, None)
                }
                Ok(_) => (Self::new(seed), None),
                Err(e) => (Self::new(seed), Some((path, e.to_string()))),
            },
            Err(_) => (Self::new(seed), None),
        }
    }

    /// Writes the lists atomically (temp file + rename), mode 0600 whatever the umask. (The
    /// state dir itself is made 0700 at start-up, by logging, before the UI runs.)
    pub fn save(&self, state_dir: &Path) -> std::io::Result<()> {
        use std::io::Write;
        std::fs::create_dir_all(state_dir)?;
        let path = Self::path(state_dir);
        let tmp = state_dir.join(format!("{FILE_NAME}.tmp"));
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        #[cfg(unix)]
        {
            // A leftover temp file from a crash keeps its old mode: narrow it.
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(&json)?;
        drop(f);
        std::fs::rename(&tmp, &path)
    }

    pub fn current(&self) -> &Watchlist {
        &self.lists[self.active.min(self.lists.len() - 1)]
    }

    pub fn current_mut(&mut self) -> &mut Watchlist {
        let i = self.active.min(self.lists.len() - 1);
        &mut self.lists[i]
    }

    /// Adds `code` at the end of the current list; false if it is already there.
    pub fn add(&mut self, code: StockCode) -> bool {
        let l = self.current_mut();
        if l.codes.contains(&code) {
            return false;
        }
        l.codes.push(code);
        true
    }

    /// Removes `code` from the current list; its index there, if it was in it.
    pub fn remove(&mut self, code: StockCode) -> Option<usize> {
        let l = self.current_mut();
        let i = l.codes.iter().position(|c| *c == code)?;
        l.codes.remove(i);
        Some(i)
    }

    /// Puts `code` back into list `list` at `index` (or at its end); false if the list is gone
    /// or already holds the code.
    pub fn restore(&mut self, list: usize, index: usize, code: StockCode) -> bool {
        let Some(l) = self.lists.get_mut(list) else {
            return false;
        };
        if l.codes.contains(&code) {
            return false;
        }
        l.codes.insert(index.min(l.codes.len()), code);
        true
    }

    /// A name for a new list that no list has yet: `목록N`.
    pub fn fresh_name(&self) -> String {
        (self.lists.len() + 1..)
            .map(|n| format!("목록{n}"))
            .find(|n| !self.lists.iter().any(|l| &l.name == n))
            .unwrap_or_default()
    }

    /// Deletes the current list unless it is the only one; the deleted list.
    pub fn delete_current(&mut self) -> Option<Watchlist> {
        if self.lists.len() < 2 {
            return None;
        }
        let i = self.active.min(self.lists.len() - 1);
        let gone = self.lists.remove(i);
        self.active = i.min(self.lists.len() - 1);
        Some(gone)
    }

    /// Moves `code` by `delta` places within the current list. Returns its new index.
    pub fn shift(&mut self, code: StockCode, delta: isize) -> Option<usize> {
        let l = self.current_mut();
        let i = l.codes.iter().position(|c| *c == code)?;
        let j = (i as isize + delta).clamp(0, l.codes.len() as isize - 1) as usize;
        let c = l.codes.remove(i);
        l.codes.insert(j, c);
        Some(j)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> StockCode {
        StockCode::new(s).unwrap()
    }

    /// Two lists, as `[watchlist]`'s default has.
    fn seed() -> Vec<Watchlist> {
        let list = |name: &str, codes: &[&str]| Watchlist {
            name: name.to_string(),
            codes: codes.iter().map(|c| code(c)).collect(),
        };
        vec![
            list("대형주", &["005930", "000660", "373220"]),
            list("코스닥", &["247540", "086520"]),
        ]
    }

    #[test]
    fn persists_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = seed();
        let (mut w, err) = Watchlists::load(dir.path(), &cfg);
        assert!(err.is_none());
        assert_eq!(w.lists.len(), 2);
        assert!(w.add(code("042700")));
        assert!(!w.add(code("042700")));
        w.active = 1;
        w.save(dir.path()).unwrap();
        let (back, _) = Watchlists::load(dir.path(), &cfg);
        assert_eq!(back, w);
        assert_eq!(back.lists[0].codes.last(), Some(&code("042700")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(Watchlists::path(dir.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the saved lists are private");
        }
    }

    #[test]
    fn corrupt_file_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), b"{not json").unwrap();
        let (w, err) = Watchlists::load(dir.path(), &seed());
        let (path, why) = err.unwrap();
        assert_eq!(path, dir.path().join(FILE_NAME));
        assert!(!why.is_empty());
        assert_eq!(w.lists.len(), 2);
        assert_eq!(
            std::fs::read(dir.path().join(FILE_NAME)).unwrap(),
            b"{not json"
        );
    }

    #[test]
    fn shifts_within_bounds() {
        let mut w = Watchlists::new(&seed());
        let first = w.current().codes[0];
        assert_eq!(w.shift(first, -1), Some(0));
        assert_eq!(w.shift(first, 2), Some(2));
        assert_eq!(w.current().codes[2], first);
        assert_eq!(w.remove(first), Some(2));
        assert!(!w.current().codes.contains(&first));
        assert!(w.restore(0, 2, first));
        assert_eq!(w.current().codes[2], first);
        assert!(!w.restore(0, 0, first), "already there");
        assert!(!w.restore(9, 0, first), "no such list");
    }

    #[test]
    fn fresh_names_and_deletion_keep_one_list() {
        let mut w = Watchlists::new(&seed());
        w.lists.push(Watchlist {
            name: "목록3".into(),
            codes: Vec::new(),
        });
        assert_eq!(w.fresh_name(), "목록4", "목록3 is taken");
        w.active = 2;
        assert_eq!(w.delete_current().map(|l| l.name), Some("목록3".into()));
        assert_eq!(w.active, 1);
        assert!(w.delete_current().is_some());
        assert!(w.delete_current().is_none(), "the last list stays");
        assert_eq!(w.lists.len(), 1);
    }
}
