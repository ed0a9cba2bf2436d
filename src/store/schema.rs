//! Versioned schema migrations, one list per backend with the same tables and meaning.
//!
//! A migration is applied once, in order, inside a transaction that also records it in
//! `schema_version`; never edit a released migration, append a new one.
//! No secondary index on `daily_bars.date`: the primary key (code, date) serves per-stock
//! reads, and a second B-tree would double the cost of every bar written.
//! PostgreSQL uses BIGINT where SQLite says INTEGER (SQLite integers are 64-bit already;
//! PostgreSQL's INTEGER is 32-bit and a day's traded value overflows it).
//!
//! Version 2 adds `adjustments` (one row per corporate action: the exact factor as
//! `factor_num/factor_den`, and `cum_num/cum_den`, the product of its factor and those of every
//! later ex-date of the stock, kept by the store) and the view `daily_bars_adjusted`, which
//! scales each raw bar by the cumulative factor of the first ex-date after it, rounded half up
//! to the won (`market::adjust`). `daily_bars` itself is left as it was: every row is kept.
//! It also adds `no_trade_days`: days the source answered for a stock without trades (a
//! halt), so the gap audit can tell them from missing bars.
//!
//! Version 3 keeps each issue's listing history: `stocks` gains `listed_on` (the master file's
//! 상장일자), `delisted_on` (the first trading day it was no longer listed, set once it has been
//! missing from the master files for `[ingest] delist_after_days` trading days; the row is
//! never deleted) and `last_seen` (the KST date of the last master file that listed it), and
//! `stock_history` holds its name and market from each date on (a rename or a move from
//! KOSDAQ to KOSPI adds a row). Existing rows start their history on the date they were last
//! updated; the first master file read after the migration fills in the listing dates.
//!
//! Migrations run under a lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL an advisory transaction
//! lock), so hogas started at once apply each version once. Before anything is written the
//! columns of tables that already exist are checked (`check_columns`): a database holding a
//! foreign table of the same name is refused, untouched.

use super::StoreError;
use std::collections::BTreeMap;

/// (version, SQL) for SQLite.
pub const SQLITE: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE IF NOT EXISTS daily_bars (
        code TEXT NOT NULL,
        date TEXT NOT NULL,
        open INTEGER NOT NULL,
        high INTEGER NOT NULL,
        low INTEGER NOT NULL,
        close INTEGER NOT NULL,
        volume INTEGER NOT NULL,
        value INTEGER NOT NULL,
        source TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        PRIMARY KEY (code, date)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS stocks (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        name_en TEXT,
        market TEXT NOT NULL,
        isin TEXT NOT NULL,
        group_code TEXT NOT NULL,
        kind TEXT NOT NULL,
        listed_shares INTEGER NOT NULL,
        base_price INTEGER NOT NULL,
        market_cap_eok INTEGER NOT NULL,
        flags TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS rejects (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL,
        code TEXT NOT NULL,
        date TEXT,
        category TEXT NOT NULL,
        detail TEXT NOT NULL,
        raw TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS rejects_run ON rejects (run_id);
    CREATE TABLE IF NOT EXISTS ingest_runs (
        run_id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        date_from TEXT NOT NULL,
        date_to TEXT NOT NULL,
        args_hash TEXT NOT NULL,
        args TEXT NOT NULL,
        stocks_total INTEGER NOT NULL,
        stocks_stored INTEGER NOT NULL,
        bars_stored INTEGER NOT NULL,
        rejected INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        api_calls INTEGER NOT NULL,
        status TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ingest_progress (
        args_hash TEXT NOT NULL,
        code TEXT NOT NULL,
        status TEXT NOT NULL,
        PRIMARY KEY (args_hash, code)
    ) WITHOUT ROWID;",
    ),
    (
        2,
        "CREATE TABLE IF NOT EXISTS adjustments (
        code TEXT NOT NULL,
        ex_date TEXT NOT NULL,
        factor_num INTEGER NOT NULL,
        factor_den INTEGER NOT NULL,
        cum_num INTEGER NOT NULL,
        cum_den INTEGER NOT NULL,
        kind TEXT NOT NULL,
        source TEXT NOT NULL,
        learned_at TEXT NOT NULL,
        PRIMARY KEY (code, ex_date)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS no_trade_days (
        code TEXT NOT NULL,
        date TEXT NOT NULL,
        PRIMARY KEY (code, date)
    ) WITHOUT ROWID;
    CREATE VIEW IF NOT EXISTS daily_bars_adjusted AS
    SELECT b.code, b.date,
        CASE WHEN a.cum_num IS NULL THEN b.open
             ELSE (2 * b.open * a.cum_num + a.cum_den) / (2 * a.cum_den) END AS open,
        CASE WHEN a.cum_num IS NULL THEN b.high
             ELSE (2 * b.high * a.cum_num + a.cum_den) / (2 * a.cum_den) END AS high,
        CASE WHEN a.cum_num IS NULL THEN b.low
             ELSE (2 * b.low * a.cum_num + a.cum_den) / (2 * a.cum_den) END AS low,
        CASE WHEN a.cum_num IS NULL THEN b.close
             ELSE (2 * b.close * a.cum_num + a.cum_den) / (2 * a.cum_den) END AS close,
        b.volume, b.value, b.source, b.ingested_at
    FROM daily_bars b
    LEFT JOIN adjustments a ON a.code = b.code AND a.ex_date = (
        SELECT MIN(x.ex_date) FROM adjustments x WHERE x.code = b.code AND x.ex_date > b.date);",
    ),
    (
        3,
        "ALTER TABLE stocks ADD COLUMN listed_on TEXT;
    ALTER TABLE stocks ADD COLUMN delisted_on TEXT;
    ALTER TABLE stocks ADD COLUMN last_seen TEXT;
    UPDATE stocks SET last_seen = substr(updated_at, 1, 10);
    CREATE TABLE IF NOT EXISTS stock_history (
        code TEXT NOT NULL,
        valid_from TEXT NOT NULL,
        name TEXT NOT NULL,
        market TEXT NOT NULL,
        PRIMARY KEY (code, valid_from)
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO stock_history (code, valid_from, name, market)
        SELECT code, substr(updated_at, 1, 10), name, market FROM stocks;",
    ),
];

/// (version, SQL) for PostgreSQL.
pub const POSTGRES: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE IF NOT EXISTS daily_bars (
        code TEXT NOT NULL,
        date TEXT NOT NULL,
        open BIGINT NOT NULL,
        high BIGINT NOT NULL,
        low BIGINT NOT NULL,
        close BIGINT NOT NULL,
        volume BIGINT NOT NULL,
        value BIGINT NOT NULL,
        source TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        PRIMARY KEY (code, date)
    );
    CREATE TABLE IF NOT EXISTS stocks (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        name_en TEXT,
        market TEXT NOT NULL,
        isin TEXT NOT NULL,
        group_code TEXT NOT NULL,
        kind TEXT NOT NULL,
        listed_shares BIGINT NOT NULL,
        base_price BIGINT NOT NULL,
        market_cap_eok BIGINT NOT NULL,
        flags TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS rejects (
        id BIGSERIAL PRIMARY KEY,
        run_id TEXT NOT NULL,
        code TEXT NOT NULL,
        date TEXT,
        category TEXT NOT NULL,
        detail TEXT NOT NULL,
        raw TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS rejects_run ON rejects (run_id);
    CREATE TABLE IF NOT EXISTS ingest_runs (
        run_id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        date_from TEXT NOT NULL,
        date_to TEXT NOT NULL,
        args_hash TEXT NOT NULL,
        args TEXT NOT NULL,
        stocks_total BIGINT NOT NULL,
        stocks_stored BIGINT NOT NULL,
        bars_stored BIGINT NOT NULL,
        rejected BIGINT NOT NULL,
        failed BIGINT NOT NULL,
        api_calls BIGINT NOT NULL,
        status TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ingest_progress (
        args_hash TEXT NOT NULL,
        code TEXT NOT NULL,
        status TEXT NOT NULL,
        PRIMARY KEY (args_hash, code)
    );",
    ),
    (
        2,
        "CREATE TABLE IF NOT EXISTS adjustments (
        code TEXT NOT NULL,
        ex_date TEXT NOT NULL,
        factor_num BIGINT NOT NULL,
        factor_den BIGINT NOT NULL,
        cum_num BIGINT NOT NULL,
        cum_den BIGINT NOT NULL,
        kind TEXT NOT NULL,
        source TEXT NOT NULL,
        learned_at TEXT NOT NULL,
        PRIMARY KEY (code, ex_date)
    );
    CREATE TABLE IF NOT EXISTS no_trade_days (
        code TEXT NOT NULL,
        date TEXT NOT NULL,
        PRIMARY KEY (code, date)
    );
    CREATE OR REPLACE VIEW daily_bars_adjusted AS
    SELECT b.code, b.date,
        CASE WHEN a.cum_num IS NULL THEN b.open
             ELSE (2 * b.open * a.cum_num + a.cum_den) / (2 * a.cum_den) END AS open,
        CASE WHEN a.cum_num IS NULL THEN b.high
             ELSE (2 * b.high * a.cum_num + a.cum_den) / (2 * a.cum_den) END AS high,
        CASE WHEN a.cum_num IS NULL THEN b.low
             ELSE (2 * b.low * a.cum_num + a.cum_den) / (2 * a.cum_den) END AS low,
        CASE WHEN a.cum_num IS NULL THEN b.close
             ELSE (2 * b.close * a.cum_num + a.cum_den) / (2 * a.cum_den) END AS close,
        b.volume, b.value, b.source, b.ingested_at
    FROM daily_bars b
    LEFT JOIN adjustments a ON a.code = b.code AND a.ex_date = (
        SELECT MIN(x.ex_date) FROM adjustments x WHERE x.code = b.code AND x.ex_date > b.date);",
    ),
    (
        3,
        "ALTER TABLE stocks ADD COLUMN IF NOT EXISTS listed_on TEXT;
    ALTER TABLE stocks ADD COLUMN IF NOT EXISTS delisted_on TEXT;
    ALTER TABLE stocks ADD COLUMN IF NOT EXISTS last_seen TEXT;
    UPDATE stocks SET last_seen = substr(updated_at, 1, 10);
    CREATE TABLE IF NOT EXISTS stock_history (
        code TEXT NOT NULL,
        valid_from TEXT NOT NULL,
        name TEXT NOT NULL,
        market TEXT NOT NULL,
        PRIMARY KEY (code, valid_from)
    );
    INSERT INTO stock_history (code, valid_from, name, market)
        SELECT code, substr(updated_at, 1, 10), name, market FROM stocks
        ON CONFLICT (code, valid_from) DO NOTHING;",
    ),
];

/// The newest version this build knows.
pub fn latest(migrations: &[(i64, &str)]) -> i64 {
    migrations.iter().map(|(v, _)| *v).max().unwrap_or(0)
}

pub const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)";

/// The columns of `schema_version`.
pub const VERSION_COLUMNS: &[&str] = &["version", "applied_at"];

/// Table → column names, as the migrations up to `version` leave them (from the SQLite list,
/// applied to an in-memory database; PostgreSQL has the same tables and column names).
/// Includes `schema_version`.
pub fn expected_columns(version: i64) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
    let conn = rusqlite::Connection::open_in_memory()?;
    conn.execute_batch(VERSION_TABLE)?;
    for (_, sql) in SQLITE.iter().filter(|(v, _)| *v <= version) {
        conn.execute_batch(sql)?;
    }
    sqlite_columns(&conn, None)
}

/// The tables this schema owns (at the latest version), `schema_version` included.
pub fn owned_tables() -> Result<Vec<String>, StoreError> {
    Ok(expected_columns(latest(SQLITE))?.into_keys().collect())
}

/// The columns of the tables in a SQLite database (internal `sqlite_*` tables left out), of
/// those named in `only` when given.
pub fn sqlite_columns(
    conn: &rusqlite::Connection,
    only: Option<&[String]>,
) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
    let mut tables = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )?;
    let names = tables
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let mut cols = conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
    let mut out = BTreeMap::new();
    for name in names {
        if only.is_some_and(|o| !o.contains(&name)) {
            continue;
        }
        let c = cols
            .query_map([&name], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        out.insert(name, c);
    }
    Ok(out)
}

/// Refuses a table we own whose columns are not ours (a foreign `daily_bars`, say): compares
/// the columns `found` (owned tables that exist) with what the migrations up to `version`
/// make of them; a table that exists before the migration creating it must already have the
/// latest shape, as `CREATE TABLE IF NOT EXISTS` would silently keep it.
/// Refuses a database at schema `current` that this build cannot use: newer than the newest of
/// `migrations`, or with tables that do not match what `current` created (`found`).
pub fn check_found(
    migrations: &[(i64, &str)],
    found: &BTreeMap<String, Vec<String>>,
    current: i64,
) -> Result<(), StoreError> {
    let known = latest(migrations);
    if current > known {
        return Err(StoreError::TooNew {
            found: current,
            known,
        });
    }
    check_columns(found, current)
}

pub fn check_columns(
    found: &BTreeMap<String, Vec<String>>,
    version: i64,
) -> Result<(), StoreError> {
    let at_version = expected_columns(version)?;
    let newest = expected_columns(latest(SQLITE))?;
    for (table, have) in found {
        let Some(want) = at_version.get(table).or_else(|| newest.get(table)) else {
            continue;
        };
        let missing: Vec<&str> = want
            .iter()
            .filter(|c| !have.contains(c))
            .map(String::as_str)
            .collect();
        let extra: Vec<&str> = have
            .iter()
            .filter(|c| !want.contains(c))
            .map(String::as_str)
            .collect();
        if missing.is_empty() && extra.is_empty() {
            continue;
        }
        let mut detail = Vec::new();
        if !missing.is_empty() {
            detail.push(format!("missing columns {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            detail.push(format!("extra columns {}", extra.join(", ")));
        }
        return Err(StoreError::ForeignTable {
            table: table.clone(),
            detail: detail.join("; "),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_columns_follow_the_migrations() {
        let none = expected_columns(0).unwrap();
        assert_eq!(none.keys().collect::<Vec<_>>(), ["schema_version"]);
        assert_eq!(none["schema_version"], VERSION_COLUMNS);
        let v1 = expected_columns(1).unwrap();
        assert!(!v1.contains_key("sqlite_sequence"));
        assert_eq!(
            v1["ingest_progress"],
            ["args_hash", "code", "status"].map(String::from)
        );
        assert_eq!(owned_tables().unwrap().len(), 9);
    }

    #[test]
    fn foreign_columns_are_named() {
        let mut found = BTreeMap::new();
        found.insert(
            "daily_bars".to_string(),
            ["ticker", "date", "px"].map(String::from).to_vec(),
        );
        let e = check_columns(&found, 0).unwrap_err().to_string();
        assert!(e.contains("daily_bars"), "{e}");
        assert!(e.contains("missing columns code, open"), "{e}");
        assert!(e.contains("extra columns ticker, px"), "{e}");
        found.insert(
            "daily_bars".into(),
            expected_columns(1).unwrap()["daily_bars"].clone(),
        );
        check_columns(&found, 0).unwrap();
        check_columns(&found, 1).unwrap();
    }
}
