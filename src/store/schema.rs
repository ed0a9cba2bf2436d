//! Versioned schema migrations, one list per backend with the same tables and meaning.
//!
//! A migration is applied once, in order, inside a transaction that also records it in
//! `schema_version`; never edit a released migration, append a new one.
//! No secondary index on `daily_bars.date`: the primary key (code, date) serves per-stock
//! reads, and a second B-tree would double the cost of every bar written.
//! PostgreSQL uses BIGINT where SQLite says INTEGER (SQLite integers are 64-bit already;
//! PostgreSQL's INTEGER is 32-bit and a day's traded value overflows it).

/// (version, SQL) for SQLite.
pub const SQLITE: &[(i64, &str)] = &[(
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
)];

/// (version, SQL) for PostgreSQL.
pub const POSTGRES: &[(i64, &str)] = &[(
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
)];

/// The newest version this build knows.
pub fn latest(migrations: &[(i64, &str)]) -> i64 {
    migrations.iter().map(|(v, _)| *v).max().unwrap_or(0)
}

pub const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)";
