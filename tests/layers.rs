//! The layer rule of `ARCHITECTURE.md`, checked on the source: a module may import only the
//! layers below it. Every `crate::<module>` path in `src/<layer>/` (and `src/<layer>.rs`) is
//! read; an import that points up the list fails the test with the file and line.
//!
//! Layers, top to bottom (the entry modules may import anything):
//! `main`, `cli`, `config`, `paths`, `logging`, `lookup`, `stream`, `alerts` → `tui` → `feed` → `ingest` →
//! `source` → `store`, `cache` → `kis` → `clock`, `exit` → `market`. `sim` is a sibling: it may use `market` and
//! `clock`, never `kis` (a simulator that reuses the client's wire structs only tests the
//! serializer against itself); `source` may use `sim` for the built-in simulated market.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Rank of each layer: a module may import modules of a strictly lower rank (or its own).
fn rank(module: &str) -> Option<u32> {
    Some(match module {
        "main" | "cli" | "config" | "logging" | "lookup" | "paths" | "stream" | "alerts" => 100,
        "tui" => 90,
        "feed" => 80,
        "ingest" => 70,
        "source" => 60,
        "store" | "cache" => 50,
        "kis" => 40,
        "clock" | "exit" => 15,
        "market" => 10,
        "sim" => 30,
        _ => return None,
    })
}

/// Imports the rank order allows but the design forbids, or forbids but the design allows.
fn allowed(from: &str, to: &str) -> bool {
    match (from, to) {
        // sim is a sibling, not a layer below kis: it owns its own wire format.
        ("sim", "kis") => false,
        ("kis", "sim") | ("cache", "sim") | ("store", "sim") => false,
        // The built-in simulated market is a DataSource over sim's model.
        ("source", "sim") => true,
        (f, t) => match (rank(f), rank(t)) {
            // The entry modules are one level: they may use each other.
            (Some(a), Some(b)) => f == t || b < a || (a == 100 && b == 100),
            _ => false,
        },
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The layer a file belongs to: its first component under `src/`.
fn layer_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// `crate::<module>` occurrences outside comments, with their line numbers.
fn crate_imports(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let module: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `hoga::…` is how binaries and tests name the crate; `$crate` is a macro's.
            let before = &rest[..i];
            if !module.is_empty() && !before.ends_with('$') {
                out.push((n + 1, module));
            }
            rest = after;
        }
    }
    out
}

#[test]
fn no_import_points_up_the_layer_list() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(
        files.len() > 50,
        "found only {} files in {src:?}",
        files.len()
    );
    let mut violations: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for file in &files {
        let from = layer_of(&src, file);
        if from == "bin" || from == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for (line, to) in crate_imports(&text) {
            if rank(&to).is_none() {
                continue;
            }
            if !allowed(&from, &to) {
                violations
                    .entry((from.clone(), to.clone()))
                    .or_default()
                    .push(format!(
                        "{}:{line}",
                        file.strip_prefix(&src).unwrap_or(file).display()
                    ));
            }
        }
    }
    let report: Vec<String> = violations
        .iter()
        .map(|((from, to), places)| format!("{from} → {to}: {}", places.join(", ")))
        .collect();
    assert!(
        report.is_empty(),
        "imports that point up the layer list:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_checker_sees_what_it_checks() {
    let text =
        "use crate::market::Krw; // crate::tui in a comment\nlet x = crate::kis::Priority::Batch;";
    assert_eq!(
        crate_imports(text),
        vec![(1, "market".to_string()), (2, "kis".to_string())]
    );
    assert!(allowed("tui", "feed") && allowed("feed", "source") && allowed("kis", "market"));
    assert!(!allowed("feed", "tui") && !allowed("kis", "source") && !allowed("market", "kis"));
    assert!(!allowed("sim", "kis") && allowed("sim", "market") && allowed("source", "sim"));
    // Each layer owns its settings: none below the entry reads the config or the dirs.
    for layer in ["tui", "feed", "ingest", "source", "cache", "kis", "market"] {
        assert!(
            !allowed(layer, "config") && !allowed(layer, "paths"),
            "{layer}"
        );
    }
}
