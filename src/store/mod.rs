//! Stores for daily bars and the stock universe: SQLite (default) and PostgreSQL.
//!
//! Both backends carry the same schema (created and migrated by hoga, see `schema`) and the same
//! semantics, and are driven through the one `Store` trait so every test runs against both:
//! - `daily_bars` upserts are idempotent: a bar written again with the same values changes
//!   nothing but `ingested_at` (we always bump it, so the column says when the row was last
//!   confirmed, not only when it was first seen).
//! - A `WriteBatch` (bars, rejects, resume marks) is one transaction: a crash or `kill -9`
//!   leaves either all of it or none of it, which is what makes resume exact.

pub mod listings;
pub mod postgres;
pub mod schema;
pub mod sqlite;

use crate::market::{ActionKind, Krw, Listing, Ratio, StockCode};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

pub use listings::{ListedIssue, ListingChanges, ListingState, NameSpan};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// One validated daily bar, keyed by (code, KST trading date).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    pub code: StockCode,
    pub date: NaiveDate,
    pub open: Krw,
    pub high: Krw,
    pub low: Krw,
    pub close: Krw,
    pub volume: i64,
    /// Traded value (거래대금), won.
    pub value: Krw,
}

/// A bar as stored, with where it came from and when it was last written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBar {
    pub bar: Bar,
    pub source: String,
    pub ingested_at: String,
}

/// A row that failed validation (or a stock that could not be read), kept for the operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    pub run_id: String,
    pub code: StockCode,
    pub date: Option<NaiveDate>,
    /// Stable machine name: `ohlc_order`, `off_grid`, `out_of_limits`, ...
    pub category: String,
    /// Human explanation, e.g. `high 9,950 < low 10,000`.
    pub detail: String,
    /// The raw values as received, JSON.
    pub raw: String,
}

/// What became of one stock in a run; recorded for resume in the same transaction as its bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// Bars stored (possibly with some rows rejected).
    Stored,
    /// Every row was rejected.
    Rejected,
    /// The source had nothing for the range (suspended, not yet listed).
    Empty,
}

impl Progress {
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::Stored => "stored",
            Progress::Rejected => "rejected",
            Progress::Empty => "empty",
        }
    }

    pub fn parse(s: &str) -> Option<Progress> {
        match s {
            "stored" => Some(Progress::Stored),
            "rejected" => Some(Progress::Rejected),
            "empty" => Some(Progress::Empty),
            _ => None,
        }
    }
}

/// One corporate action as stored in `adjustments`: prices before `ex_date` are multiplied
/// by `factor` (and by the factors of every later ex-date) in the adjusted series.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    pub code: StockCode,
    pub ex_date: NaiveDate,
    /// The ex-date's base price over the raw close before it, exact.
    pub factor: Ratio,
    pub kind: ActionKind,
    /// Where it was learned: `kis:daily_chart` (a backfill's raw chart), `kis:quote_base`
    /// (a daily run's base price against the stored close).
    pub source: String,
}

/// Everything written for a group of stocks, committed atomically.
#[derive(Clone, Debug, Default)]
pub struct WriteBatch {
    pub bars: Vec<Bar>,
    /// `source` column of the bars, e.g. `kis:multi_quote`, `kis:period_chart`.
    pub source: String,
    pub ingested_at: DateTime<Utc>,
    pub rejects: Vec<Reject>,
    /// Resume marks: (run identity, stock, outcome).
    pub progress: Vec<(String, StockCode, Progress)>,
    /// Corporate actions learned. An action already stored keeps its factor (it is learned
    /// once); only a kind still `other` is replaced by a better one.
    pub adjustments: Vec<Adjustment>,
    /// Days the source answered for a stock without a trade (no bar, and not a gap).
    pub no_trade: Vec<(StockCode, NaiveDate)>,
}

impl WriteBatch {
    /// Drops repeated (code, date) keys, keeping the last, so one statement never touches a
    /// row twice (PostgreSQL refuses that inside one `INSERT ... ON CONFLICT`).
    pub fn dedup_bars(&mut self) {
        let mut seen = HashSet::with_capacity(self.bars.len());
        let mut out: Vec<Bar> = Vec::with_capacity(self.bars.len());
        for b in self.bars.drain(..).rev() {
            if seen.insert((b.code, b.date)) {
                out.push(b);
            }
        }
        out.reverse();
        self.bars = out;
    }

    pub fn is_empty(&self) -> bool {
        self.bars.is_empty()
            && self.rejects.is_empty()
            && self.progress.is_empty()
            && self.adjustments.is_empty()
            && self.no_trade.is_empty()
    }
}

/// One `hoga --ingest` run as recorded in `ingest_runs`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run_id: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub date_from: String,
    pub date_to: String,
    /// Identity of the run's arguments: a later run with the same hash resumes this one.
    pub args_hash: String,
    /// The arguments themselves, JSON, for people reading the table.
    pub args: String,
    pub stocks_total: i64,
    pub stocks_stored: i64,
    pub bars_stored: i64,
    pub rejected: i64,
    pub failed: i64,
    pub api_calls: i64,
    /// `running`, `complete`, `partial`, `interrupted`, `failed`.
    pub status: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store location: {0}")]
    Spec(String),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgresql: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("store: {0}")]
    Io(#[from] std::io::Error),
    #[error("store holds unexpected data: {0}")]
    Corrupt(String),
    #[error(
        "table {table} is not hoga's ({detail}); nothing was changed: point the store \
         elsewhere, or rename or drop that table"
    )]
    ForeignTable { table: String, detail: String },
    #[error("database schema version {found} is newer than this hoga understands ({known})")]
    TooNew { found: i64, known: i64 },
    #[error("store task failed: {0}")]
    Task(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The bar store. Implementations migrate the schema when opened.
#[async_trait]
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`.
    fn kind(&self) -> &'static str;

    /// Where the data lives, safe to print (no password).
    fn describe(&self) -> String;

    /// The schema version after migration.
    async fn schema_version(&self) -> Result<i64>;

    /// Writes bars (idempotent upsert), rejects and resume marks in one transaction.
    /// Returns the number of bars written.
    async fn write(&self, batch: WriteBatch) -> Result<usize>;

    /// Replaces the stored universe's rows for these stocks (others are kept).
    async fn upsert_stocks(&self, stocks: &[Listing], updated_at: DateTime<Utc>) -> Result<usize>;

    /// The last stored universe.
    async fn load_stocks(&self) -> Result<Vec<Listing>>;

    /// Stored bars in `[from, to]`, for one stock or all, ordered by code then date.
    async fn bars(
        &self,
        code: Option<StockCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<StoredBar>>;

    /// Which dates are already stored for each stock in `[from, to]`.
    async fn stored_dates(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<StockCode, BTreeSet<NaiveDate>>>;

    async fn count_bars(&self) -> Result<i64>;

    /// Stored corporate actions, of one stock or all, ordered by code then ex-date.
    async fn adjustments(&self, code: Option<StockCode>) -> Result<Vec<Adjustment>>;

    /// Bars in `[from, to]` from the view `daily_bars_adjusted` (raw bars scaled by the
    /// cumulative factors of later ex-dates), for one stock or all, ordered by code then date.
    async fn adjusted_bars(
        &self,
        code: Option<StockCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<StoredBar>>;

    /// Per stock, the first and last dates with a stored bar.
    async fn bar_spans(&self) -> Result<HashMap<StockCode, (NaiveDate, NaiveDate)>>;

    /// Days recorded without trades in `[from, to]`, per stock.
    async fn no_trade_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<StockCode, BTreeSet<NaiveDate>>>;

    /// The stocks not delisted (see `listings`): listed by the last master file read, or
    /// missing from it for fewer than `[ingest] delist_after_days` trading days.
    async fn listed_now(&self) -> Result<BTreeSet<StockCode>>;

    /// Records one read of the master files on KST date `observed`: upserts their stocks (as
    /// `upsert_stocks`) and updates the listing history (`listings::observe`), in one
    /// transaction. Returns what changed.
    async fn observe_master(
        &self,
        master: &[Listing],
        observed: NaiveDate,
        at: DateTime<Utc>,
        delist_after: u32,
    ) -> Result<ListingChanges>;

    /// Every issue's listing history, ordered by code.
    async fn listings(&self) -> Result<Vec<ListingState>>;

    /// The universe on `date` ([`listings::UNIVERSE_ON_SQL`]), ordered by code.
    async fn universe_on(&self, date: NaiveDate) -> Result<Vec<ListedIssue>>;

    /// Adjusted bars of every stock on one day (`stocks` drives the lookup, so the primary
    /// key serves it: no scan of `daily_bars`).
    async fn adjusted_day(&self, date: NaiveDate) -> Result<Vec<StoredBar>>;

    /// Rejects, of one run or all.
    async fn rejects(&self, run_id: Option<&str>) -> Result<Vec<Reject>>;

    /// Resume marks left by earlier runs with this identity.
    async fn progress(&self, args_hash: &str) -> Result<HashMap<StockCode, Progress>>;

    /// Forgets resume marks once a run with this identity has finished everything.
    async fn clear_progress(&self, args_hash: &str) -> Result<()>;

    /// Inserts or updates a run record (keyed by `run_id`).
    async fn save_run(&self, run: &RunRecord) -> Result<()>;

    /// All runs, oldest first.
    async fn runs(&self) -> Result<Vec<RunRecord>>;
}

/// Where to store: parsed from `--store` / `[ingest] store`.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreSpec {
    Sqlite(PathBuf),
    /// A libpq-style URL; an optional `schema=NAME` query parameter (ours, stripped before
    /// connecting) selects the schema to use (created if missing).
    Postgres {
        url: String,
        schema: Option<String>,
    },
}

impl std::fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl StoreSpec {
    /// `sqlite:PATH`, `sqlite://PATH`, a bare path ending in `.db`/`.sqlite`, or
    /// `postgres://…` / `postgresql://…`. Empty means `sqlite:` in the data dir.
    pub fn parse(text: &str, data_dir: &Path) -> std::result::Result<StoreSpec, StoreError> {
        let t = text.trim();
        let default_db = || data_dir.join("hoga.db");
        if t.is_empty() || t == "sqlite" || t == "sqlite:" {
            return Ok(StoreSpec::Sqlite(default_db()));
        }
        if t.starts_with("postgres://") || t.starts_with("postgresql://") {
            let (url, schema) = strip_schema_param(t)?;
            return Ok(StoreSpec::Postgres { url, schema });
        }
        if let Some(rest) = t.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Ok(StoreSpec::Sqlite(default_db()));
            }
            return Ok(StoreSpec::Sqlite(PathBuf::from(path)));
        }
        if t.ends_with(".db") || t.ends_with(".sqlite") || t.ends_with(".sqlite3") {
            return Ok(StoreSpec::Sqlite(PathBuf::from(t)));
        }
        Err(StoreError::Spec(format!(
            "{:?} is not a store: use sqlite:PATH or postgres://USER@HOST:PORT/DB",
            redact_url(t)
        )))
    }

    /// Printable form without any password.
    pub fn describe(&self) -> String {
        match self {
            StoreSpec::Sqlite(p) => format!("sqlite:{}", p.display()),
            StoreSpec::Postgres { url, schema } => match schema {
                Some(s) => format!("{} (schema {s})", redact_url(url)),
                None => redact_url(url),
            },
        }
    }

    /// Opens (creating and migrating as needed) the store.
    pub async fn open(&self) -> Result<Box<dyn Store>> {
        match self {
            StoreSpec::Sqlite(path) => Ok(Box::new(SqliteStore::open(path).await?)),
            StoreSpec::Postgres { url, schema } => {
                Ok(Box::new(PgStore::connect(url, schema.as_deref()).await?))
            }
        }
    }
}

/// Removes our `schema=` parameter from a PostgreSQL URL.
fn strip_schema_param(url: &str) -> std::result::Result<(String, Option<String>), StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), None));
    };
    let mut schema = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("schema", v)) => {
                if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(StoreError::Spec(format!(
                        "schema {v:?}: use letters, digits and _ only"
                    )));
                }
                schema = Some(v.to_string());
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, schema))
}

/// Hides the password of `scheme://user:password@host/...`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((a, h)) => (a, h),
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// The cumulative factor of each ex-date of one stock (sorted by ex-date): the product of its
/// factor and every later one, multiplied oldest first as `SimMarket::adjust_bars` does.
pub fn cumulative(factors: &[Ratio]) -> Vec<Ratio> {
    (0..factors.len())
        .map(|k| factors[k..].iter().fold(Ratio::ONE, |f, x| f.times(*x)))
        .collect()
}

/// Timestamps are stored as RFC 3339 UTC text with milliseconds.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("date {s:?} is not YYYY-MM-DD")))
}

pub fn parse_opt_date(s: Option<String>) -> Result<Option<NaiveDate>> {
    s.as_deref().map(parse_date).transpose()
}

pub fn parse_market(s: &str) -> Result<crate::market::Market> {
    s.parse().map_err(StoreError::Corrupt)
}

/// A `stocks` row's listing columns as read: (code, listed_on, delisted_on, last_seen).
pub type ListingRow = (String, Option<String>, Option<String>, Option<String>);

/// Assembles listing states from `stocks` rows (code, listed_on, delisted_on, last_seen) and
/// `stock_history` rows (code, valid_from, name, market) ordered by code and date.
pub fn assemble_states(
    stocks: Vec<ListingRow>,
    names: Vec<(String, String, String, String)>,
) -> Result<Vec<ListingState>> {
    let mut by_code: std::collections::BTreeMap<StockCode, ListingState> = Default::default();
    for (code, listed, delisted, seen) in stocks {
        let code = parse_code(&code)?;
        by_code.insert(
            code,
            ListingState {
                code,
                listed_on: parse_opt_date(listed)?,
                delisted_on: parse_opt_date(delisted)?,
                last_seen: parse_opt_date(seen)?,
                names: Vec::new(),
            },
        );
    }
    for (code, from, name, market) in names {
        if let Some(s) = by_code.get_mut(&parse_code(&code)?) {
            s.names.push(NameSpan {
                valid_from: parse_date(&from)?,
                name,
                market: parse_market(&market)?,
            });
        }
    }
    Ok(by_code.into_values().collect())
}

/// The text stored for a market in `stocks.market` and `stock_history.market`.
pub fn market_text(m: crate::market::Market) -> &'static str {
    match m {
        crate::market::Market::Kospi => "kospi",
        crate::market::Market::Kosdaq => "kosdaq",
    }
}

pub fn parse_code(s: &str) -> Result<StockCode> {
    StockCode::new(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_store_locations() {
        let d = Path::new("/data");
        assert_eq!(
            StoreSpec::parse("", d).unwrap(),
            StoreSpec::Sqlite(d.join("hoga.db"))
        );
        assert_eq!(
            StoreSpec::parse("sqlite:/tmp/x.db", d).unwrap(),
            StoreSpec::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            StoreSpec::parse("sqlite:rel.db", d).unwrap(),
            StoreSpec::Sqlite("rel.db".into())
        );
        let pg = StoreSpec::parse(
            "postgres://postgres:hunter2@127.0.0.1:5432/test?schema=s1&sslmode=disable",
            d,
        )
        .unwrap();
        assert_eq!(
            pg,
            StoreSpec::Postgres {
                url: "postgres://postgres:hunter2@127.0.0.1:5432/test?sslmode=disable".into(),
                schema: Some("s1".into())
            }
        );
        assert!(!format!("{pg:?}").contains("hunter2"));
        assert!(!pg.describe().contains("hunter2"));
        assert!(StoreSpec::parse("mysql://x", d).is_err());
        assert!(StoreSpec::parse("postgres://h/db?schema=a;drop", d).is_err());
    }

    #[test]
    fn dedup_keeps_the_last_bar_per_key() {
        let code = StockCode::new("005930").unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let bar = |close| Bar {
            code,
            date,
            open: Krw(100),
            high: Krw(100),
            low: Krw(100),
            close: Krw(close),
            volume: 0,
            value: Krw(0),
        };
        let mut b = WriteBatch {
            bars: vec![bar(1), bar(2)],
            ..Default::default()
        };
        b.dedup_bars();
        assert_eq!(b.bars, vec![bar(2)]);
    }
}
