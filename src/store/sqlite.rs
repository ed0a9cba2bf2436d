//! The SQLite store (default): one file, WAL journal, batched transactions, cached statements.
//!
//! rusqlite is blocking, so every call runs on tokio's blocking pool with the connection behind
//! a mutex (one writer is what SQLite wants anyway).

use super::listings::{self, ListingOp};
use super::schema;
use super::{
    Adjustment, Bar, ListedIssue, ListingChanges, ListingState, Progress, Reject, Result,
    RunRecord, Store, StoreError, StoredBar, WriteBatch, date_text, parse_code, parse_date, ts,
};
use crate::market::{Krw, Listing, StockCode};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, params};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

const UPSERT_BAR: &str = "INSERT INTO daily_bars
    (code, date, open, high, low, close, volume, value, source, ingested_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
    ON CONFLICT (code, date) DO UPDATE SET
        open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
        volume = excluded.volume, value = excluded.value, source = excluded.source,
        ingested_at = excluded.ingested_at";

const INSERT_REJECT: &str = "INSERT INTO rejects (run_id, code, date, category, detail, raw)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

const UPSERT_PROGRESS: &str = "INSERT INTO ingest_progress (args_hash, code, status)
    VALUES (?1, ?2, ?3)
    ON CONFLICT (args_hash, code) DO UPDATE SET status = excluded.status";

/// An action is learned once: a second sighting changes nothing but an `other` kind.
pub(crate) const UPSERT_ADJUSTMENT: &str = "INSERT INTO adjustments
    (code, ex_date, factor_num, factor_den, cum_num, cum_den, kind, source, learned_at)
    VALUES (?1, ?2, ?3, ?4, ?3, ?4, ?5, ?6, ?7)
    ON CONFLICT (code, ex_date) DO UPDATE SET kind = excluded.kind, source = excluded.source
    WHERE adjustments.kind = 'other' AND excluded.kind <> 'other'";

const ADJ_COLS: &str = "code, ex_date, factor_num, factor_den, kind, source";

const BAR_COLS: &str = "code, date, open, high, low, close, volume, value, source, ingested_at";

const UPSERT_STOCK: &str = "INSERT INTO stocks
    (code, name, name_en, market, isin, group_code, kind, listed_shares, base_price,
     market_cap_eok, flags, updated_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
    ON CONFLICT (code) DO UPDATE SET
        name = excluded.name, name_en = COALESCE(excluded.name_en, stocks.name_en),
        market = excluded.market, isin = excluded.isin, group_code = excluded.group_code,
        kind = excluded.kind, listed_shares = excluded.listed_shares,
        base_price = excluded.base_price, market_cap_eok = excluded.market_cap_eok,
        flags = excluded.flags, updated_at = excluded.updated_at";

const UPSERT_RUN: &str = "INSERT INTO ingest_runs
    (run_id, started_at, finished_at, date_from, date_to, args_hash, args, stocks_total,
     stocks_stored, bars_stored, rejected, failed, api_calls, status)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
    ON CONFLICT (run_id) DO UPDATE SET
        finished_at = excluded.finished_at, stocks_total = excluded.stocks_total,
        stocks_stored = excluded.stocks_stored, bars_stored = excluded.bars_stored,
        rejected = excluded.rejected, failed = excluded.failed, api_calls = excluded.api_calls,
        status = excluded.status";

impl SqliteStore {
    /// Opens or creates the database at `path` and migrates it.
    pub async fn open(path: &Path) -> Result<SqliteStore> {
        let path = path.to_path_buf();
        let p2 = path.clone();
        let conn = tokio::task::spawn_blocking(move || -> Result<Connection> {
            if let Some(dir) = p2.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let mut conn = Connection::open(&p2)?;
            // First, so that every step below waits for another hoga opening the same file
            // (switching to WAL and migrating both take locks).
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            // A foreign table is refused before anything is written, even the switch to WAL
            // (which rewrites the file header).
            check_schema(&conn)?;
            // WAL: readers (the TUI's lookup) never block the ingest's writer and a crash
            // loses at most the open transaction. NORMAL sync is durable at checkpoints and
            // safe against corruption in WAL mode.
            when_not_busy(|| {
                conn.pragma_update(None, "journal_mode", "WAL")
                    .map_err(Into::into)
            })?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            conn.set_prepared_statement_cache_capacity(32);
            when_not_busy(|| migrate(&mut conn))?;
            Ok(conn)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn with<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| StoreError::Task("sqlite connection poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

/// Checks the tables we own that already exist against the schema, writing nothing; returns
/// the applied version (0 for a new database).
fn check_schema(conn: &Connection) -> Result<i64> {
    let owned = schema::owned_tables()?;
    let mut found = schema::sqlite_columns(conn, Some(&owned))?;
    let current = match found.remove("schema_version") {
        None => 0,
        Some(cols) => {
            let mut versions = std::collections::BTreeMap::new();
            versions.insert("schema_version".to_string(), cols);
            schema::check_columns(&versions, 0)?;
            conn.query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version",
                [],
                |r| r.get(0),
            )?
        }
    };
    schema::check_found(schema::SQLITE, &found, current)?;
    Ok(current)
}

/// Runs `f` again while SQLite answers "busy" or "locked", for up to 20 s. The busy timeout
/// covers most waits, but SQLite returns SQLITE_BUSY at once, without calling the busy
/// handler, where waiting could deadlock: switching to WAL, or taking the write lock while
/// another connection switches. Several ingests opening one new file meet exactly that.
fn when_not_busy<T>(mut f: impl FnMut() -> Result<T>) -> Result<T> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut pause = std::time::Duration::from_millis(5);
    loop {
        match f() {
            Err(StoreError::Sqlite(e))
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(pause + std::time::Duration::from_millis(fastrand::u64(0..5)));
                pause = (pause * 2).min(std::time::Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

/// Applies the missing migrations in one `BEGIN IMMEDIATE` transaction: it takes the write
/// lock up front (waiting up to the busy timeout), so of several processes opening a new file
/// at once one migrates and the others then find the work done.
fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Again under the lock: what another process did meanwhile counts.
    let current = check_schema(&tx)?;
    let pending: Vec<_> = schema::SQLITE
        .iter()
        .filter(|(v, _)| *v > current)
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    tx.execute_batch(schema::VERSION_TABLE)?;
    for (version, sql) in pending {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)
             ON CONFLICT (version) DO NOTHING",
            params![version, ts(Utc::now())],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub(crate) fn listing_row(l: &Listing) -> Result<[String; 5]> {
    let kind = serde_json::to_value(l.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "other".into());
    let flags = serde_json::to_string(&l.flags).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let market = match l.market {
        crate::market::Market::Kospi => "kospi",
        crate::market::Market::Kosdaq => "kosdaq",
    };
    Ok([
        l.code.to_string(),
        market.to_string(),
        kind,
        flags,
        l.group.clone(),
    ])
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn listing_from_row(
    code: &str,
    name: String,
    name_en: Option<String>,
    market: &str,
    isin: String,
    group: String,
    kind: &str,
    listed_shares: i64,
    base_price: i64,
    market_cap_eok: i64,
    flags: &str,
    listed_on: Option<String>,
) -> Result<Listing> {
    let listed_on = super::parse_opt_date(listed_on)?;
    Ok(Listing {
        code: parse_code(code)?,
        isin,
        name,
        name_en,
        market: market.parse().map_err(StoreError::Corrupt)?,
        group,
        kind: serde_json::from_value(serde_json::Value::String(kind.to_string()))
            .map_err(|e| StoreError::Corrupt(format!("kind {kind:?}: {e}")))?,
        base_price: Krw(base_price),
        listed_shares: listed_shares.max(0) as u64,
        flags: serde_json::from_str(flags)
            .map_err(|e| StoreError::Corrupt(format!("flags {flags:?}: {e}")))?,
        market_cap_eok: market_cap_eok.max(0) as u64,
        listed_on,
    })
}

/// Recomputes `cum_num/cum_den` of every action of `code` from the factors.
fn recompute_cumulative(tx: &rusqlite::Transaction<'_>, code: StockCode) -> Result<()> {
    let rows: Vec<(String, i64, i64)> = tx
        .prepare_cached(
            "SELECT ex_date, factor_num, factor_den FROM adjustments WHERE code = ?1
             ORDER BY ex_date",
        )?
        .query_map([code.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let factors = rows
        .iter()
        .map(|(d, n, m)| {
            crate::market::Ratio::new(*n, *m)
                .ok_or_else(|| StoreError::Corrupt(format!("{code} {d}: factor {n}/{m}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut st = tx.prepare_cached(
        "UPDATE adjustments SET cum_num = ?3, cum_den = ?4 WHERE code = ?1 AND ex_date = ?2",
    )?;
    for ((d, _, _), cum) in rows.iter().zip(super::cumulative(&factors)) {
        st.execute(params![code.as_str(), d, cum.num, cum.den])?;
    }
    Ok(())
}

pub(crate) fn adjustment_from_row(
    code: &str,
    ex_date: &str,
    num: i64,
    den: i64,
    kind: &str,
    source: String,
) -> Result<Adjustment> {
    Ok(Adjustment {
        code: parse_code(code)?,
        ex_date: parse_date(ex_date)?,
        factor: crate::market::Ratio::new(num, den)
            .ok_or_else(|| StoreError::Corrupt(format!("factor {num}/{den}")))?,
        kind: crate::market::ActionKind::parse(kind)
            .ok_or_else(|| StoreError::Corrupt(format!("action kind {kind:?}")))?,
        source,
    })
}

fn bar_from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, [i64; 6], String, String)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        [
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ],
        r.get(8)?,
        r.get(9)?,
    ))
}

pub(crate) fn stored_bar(
    code: &str,
    date: &str,
    v: [i64; 6],
    source: String,
    ingested_at: String,
) -> Result<StoredBar> {
    Ok(StoredBar {
        bar: Bar {
            code: parse_code(code)?,
            date: parse_date(date)?,
            open: Krw(v[0]),
            high: Krw(v[1]),
            low: Krw(v[2]),
            close: Krw(v[3]),
            volume: v[4],
            value: Krw(v[5]),
        },
        source,
        ingested_at,
    })
}

/// Upserts the `stocks` rows of `stocks` (not their listing columns).
fn upsert_stock_rows(
    tx: &rusqlite::Transaction<'_>,
    stocks: &[Listing],
    updated_at: DateTime<Utc>,
) -> Result<()> {
    let at = ts(updated_at);
    let mut st = tx.prepare_cached(UPSERT_STOCK)?;
    for l in stocks {
        let [code, market, kind, flags, group] = listing_row(l)?;
        st.execute(params![
            code,
            l.name,
            l.name_en,
            market,
            l.isin,
            group,
            kind,
            i64::try_from(l.listed_shares).unwrap_or(i64::MAX),
            l.base_price.0,
            i64::try_from(l.market_cap_eok).unwrap_or(i64::MAX),
            flags,
            at
        ])?;
    }
    Ok(())
}

/// Every issue's listing state.
fn read_states(c: &Connection) -> Result<Vec<ListingState>> {
    let stocks = c
        .prepare_cached("SELECT code, listed_on, delisted_on, last_seen FROM stocks ORDER BY code")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let names = c
        .prepare_cached(
            "SELECT code, valid_from, name, market FROM stock_history ORDER BY code, valid_from",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    super::assemble_states(stocks, names)
}

#[async_trait]
impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    async fn schema_version(&self) -> Result<i64> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version",
                [],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn write(&self, mut batch: WriteBatch) -> Result<usize> {
        if batch.is_empty() {
            return Ok(0);
        }
        batch.dedup_bars();
        self.with(move |c| {
            let tx = c.transaction()?;
            let at = ts(batch.ingested_at);
            {
                let mut st = tx.prepare_cached(UPSERT_BAR)?;
                for b in &batch.bars {
                    st.execute(params![
                        b.code.as_str(),
                        date_text(b.date),
                        b.open.0,
                        b.high.0,
                        b.low.0,
                        b.close.0,
                        b.volume,
                        b.value.0,
                        batch.source,
                        at
                    ])?;
                }
                let mut st = tx.prepare_cached(INSERT_REJECT)?;
                for r in &batch.rejects {
                    st.execute(params![
                        r.run_id,
                        r.code.as_str(),
                        r.date.map(date_text),
                        r.category,
                        r.detail,
                        r.raw
                    ])?;
                }
                let mut st = tx.prepare_cached(UPSERT_PROGRESS)?;
                for (hash, code, p) in &batch.progress {
                    st.execute(params![hash, code.as_str(), p.as_str()])?;
                }
                let mut st = tx.prepare_cached(UPSERT_ADJUSTMENT)?;
                for a in &batch.adjustments {
                    st.execute(params![
                        a.code.as_str(),
                        date_text(a.ex_date),
                        a.factor.num,
                        a.factor.den,
                        a.kind.as_str(),
                        a.source,
                        at
                    ])?;
                }
            }
            {
                let mut st = tx.prepare_cached(
                    "INSERT INTO no_trade_days (code, date) VALUES (?1, ?2)
                     ON CONFLICT (code, date) DO NOTHING",
                )?;
                for (code, d) in &batch.no_trade {
                    st.execute(params![code.as_str(), date_text(*d)])?;
                }
            }
            let codes: BTreeSet<StockCode> = batch.adjustments.iter().map(|a| a.code).collect();
            for code in codes {
                recompute_cumulative(&tx, code)?;
            }
            tx.commit()?;
            Ok(batch.bars.len())
        })
        .await
    }

    async fn upsert_stocks(&self, stocks: &[Listing], updated_at: DateTime<Utc>) -> Result<usize> {
        let stocks = stocks.to_vec();
        self.with(move |c| {
            let tx = c.transaction()?;
            upsert_stock_rows(&tx, &stocks, updated_at)?;
            tx.commit()?;
            Ok(stocks.len())
        })
        .await
    }

    async fn observe_master(
        &self,
        master: &[Listing],
        observed: NaiveDate,
        at: DateTime<Utc>,
        delist_after: u32,
    ) -> Result<ListingChanges> {
        let master = master.to_vec();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let states: HashMap<StockCode, ListingState> =
                read_states(&tx)?.into_iter().map(|s| (s.code, s)).collect();
            upsert_stock_rows(&tx, &master, at)?;
            let (ops, changes) = listings::observe(
                &states,
                &master,
                observed,
                delist_after,
                crate::market::Calendar::krx(),
            );
            {
                let mut dates = tx.prepare_cached(
                    "UPDATE stocks SET listed_on = ?2, delisted_on = ?3, last_seen = ?4
                     WHERE code = ?1",
                )?;
                let mut name = tx.prepare_cached(
                    "INSERT INTO stock_history (code, valid_from, name, market)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (code, valid_from) DO UPDATE SET
                        name = excluded.name, market = excluded.market",
                )?;
                let mut first = tx.prepare_cached(
                    "UPDATE stock_history SET valid_from = ?3 WHERE code = ?1 AND valid_from = ?2",
                )?;
                for op in &ops {
                    match op {
                        ListingOp::Dates {
                            code,
                            listed_on,
                            delisted_on,
                            last_seen,
                        } => {
                            dates.execute(params![
                                code.as_str(),
                                listed_on.map(date_text),
                                delisted_on.map(date_text),
                                last_seen.map(date_text)
                            ])?;
                        }
                        ListingOp::Name { code, span } => {
                            name.execute(params![
                                code.as_str(),
                                date_text(span.valid_from),
                                span.name,
                                super::market_text(span.market)
                            ])?;
                        }
                        ListingOp::FirstNameFrom { code, from, to } => {
                            first.execute(params![
                                code.as_str(),
                                date_text(*from),
                                date_text(*to)
                            ])?;
                        }
                    }
                }
            }
            tx.commit()?;
            Ok(changes)
        })
        .await
    }

    async fn listings(&self) -> Result<Vec<ListingState>> {
        self.with(|c| read_states(c)).await
    }

    async fn universe_on(&self, date: NaiveDate) -> Result<Vec<ListedIssue>> {
        self.with(move |c| {
            let sql = listings::UNIVERSE_ON_SQL.replace("{d}", "?1");
            let rows: Vec<(String, String, String, Option<String>, Option<String>)> = c
                .prepare_cached(&sql)?
                .query_map([date_text(date)], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            rows.into_iter()
                .map(|(code, name, market, listed, delisted)| {
                    Ok(ListedIssue {
                        code: parse_code(&code)?,
                        name,
                        market: super::parse_market(&market)?,
                        listed_on: super::parse_opt_date(listed)?,
                        delisted_on: super::parse_opt_date(delisted)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn load_stocks(&self) -> Result<Vec<Listing>> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT code, name, name_en, market, isin, group_code, kind, listed_shares,
                        base_price, market_cap_eok, flags, listed_on FROM stocks ORDER BY code",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, i64>(9)?,
                    r.get::<_, String>(10)?,
                    r.get::<_, Option<String>>(11)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (code, name, name_en, market, isin, group, kind, shares, base, cap, flags, lo) =
                    row?;
                out.push(listing_from_row(
                    &code, name, name_en, &market, isin, group, &kind, shares, base, cap, &flags,
                    lo,
                )?);
            }
            Ok(out)
        })
        .await
    }

    async fn bars(
        &self,
        code: Option<StockCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<StoredBar>> {
        self.with(move |c| {
            let (from, to) = (date_text(from), date_text(to));
            let cols = "code, date, open, high, low, close, volume, value, source, ingested_at";
            let raw: Vec<_> = match code {
                Some(code) => {
                    let mut st = c.prepare_cached(&format!(
                        "SELECT {cols} FROM daily_bars WHERE code = ?1 AND date BETWEEN ?2 AND ?3
                         ORDER BY code, date"
                    ))?;
                    st.query_map(params![code.as_str(), from, to], bar_from_row)?
                        .collect::<rusqlite::Result<_>>()?
                }
                None => {
                    let mut st = c.prepare_cached(&format!(
                        "SELECT {cols} FROM daily_bars WHERE date BETWEEN ?1 AND ?2
                         ORDER BY code, date"
                    ))?;
                    st.query_map(params![from, to], bar_from_row)?
                        .collect::<rusqlite::Result<_>>()?
                }
            };
            raw.into_iter()
                .map(|(code, date, v, source, at)| stored_bar(&code, &date, v, source, at))
                .collect()
        })
        .await
    }

    async fn adjustments(&self, code: Option<StockCode>) -> Result<Vec<Adjustment>> {
        self.with(move |c| {
            let raw: Vec<(String, String, i64, i64, String, String)> = {
                let map = |r: &rusqlite::Row<'_>| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                };
                match code {
                    Some(code) => c
                        .prepare_cached(&format!(
                            "SELECT {ADJ_COLS} FROM adjustments WHERE code = ?1 ORDER BY ex_date"
                        ))?
                        .query_map([code.as_str()], map)?
                        .collect::<rusqlite::Result<_>>()?,
                    None => c
                        .prepare_cached(&format!(
                            "SELECT {ADJ_COLS} FROM adjustments ORDER BY code, ex_date"
                        ))?
                        .query_map([], map)?
                        .collect::<rusqlite::Result<_>>()?,
                }
            };
            raw.into_iter()
                .map(|(c, d, n, m, k, s)| adjustment_from_row(&c, &d, n, m, &k, s))
                .collect()
        })
        .await
    }

    async fn adjusted_bars(
        &self,
        code: Option<StockCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<StoredBar>> {
        self.with(move |c| {
            let (from, to) = (date_text(from), date_text(to));
            let raw: Vec<_> = match code {
                Some(code) => c
                    .prepare_cached(&format!(
                        "SELECT {BAR_COLS} FROM daily_bars_adjusted
                         WHERE code = ?1 AND date BETWEEN ?2 AND ?3 ORDER BY code, date"
                    ))?
                    .query_map(params![code.as_str(), from, to], bar_from_row)?
                    .collect::<rusqlite::Result<_>>()?,
                None => c
                    .prepare_cached(&format!(
                        "SELECT {BAR_COLS} FROM daily_bars_adjusted
                         WHERE date BETWEEN ?1 AND ?2 ORDER BY code, date"
                    ))?
                    .query_map(params![from, to], bar_from_row)?
                    .collect::<rusqlite::Result<_>>()?,
            };
            raw.into_iter()
                .map(|(code, date, v, source, at)| stored_bar(&code, &date, v, source, at))
                .collect()
        })
        .await
    }

    async fn bar_spans(&self) -> Result<HashMap<StockCode, (NaiveDate, NaiveDate)>> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT code, MIN(date), MAX(date) FROM daily_bars GROUP BY code",
            )?;
            let mut rows = st.query([])?;
            let mut out = HashMap::new();
            while let Some(r) = rows.next()? {
                let (code, a, b): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
                out.insert(parse_code(&code)?, (parse_date(&a)?, parse_date(&b)?));
            }
            Ok(out)
        })
        .await
    }

    async fn no_trade_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<StockCode, BTreeSet<NaiveDate>>> {
        self.with(move |c| {
            let mut st = c.prepare_cached(
                "SELECT code, date FROM no_trade_days WHERE date BETWEEN ?1 AND ?2",
            )?;
            let mut rows = st.query(params![date_text(from), date_text(to)])?;
            let mut out: HashMap<StockCode, BTreeSet<NaiveDate>> = HashMap::new();
            while let Some(r) = rows.next()? {
                let (code, d): (String, String) = (r.get(0)?, r.get(1)?);
                out.entry(parse_code(&code)?)
                    .or_default()
                    .insert(parse_date(&d)?);
            }
            Ok(out)
        })
        .await
    }

    async fn listed_now(&self) -> Result<BTreeSet<StockCode>> {
        self.with(|c| {
            let mut st = c.prepare_cached("SELECT code FROM stocks WHERE delisted_on IS NULL")?;
            let codes: Vec<String> = st
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            codes.iter().map(|c| parse_code(c)).collect()
        })
        .await
    }

    async fn adjusted_day(&self, date: NaiveDate) -> Result<Vec<StoredBar>> {
        self.with(move |c| {
            let cols = BAR_COLS
                .split(", ")
                .map(|k| format!("v.{k}"))
                .collect::<Vec<_>>()
                .join(", ");
            let raw: Vec<_> = c
                .prepare_cached(&format!(
                    "SELECT {cols} FROM stocks s CROSS JOIN daily_bars_adjusted v
                     WHERE v.code = s.code AND v.date = ?1 ORDER BY v.code"
                ))?
                .query_map([date_text(date)], bar_from_row)?
                .collect::<rusqlite::Result<_>>()?;
            raw.into_iter()
                .map(|(code, date, v, source, at)| stored_bar(&code, &date, v, source, at))
                .collect()
        })
        .await
    }

    async fn stored_dates(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<StockCode, BTreeSet<NaiveDate>>> {
        self.with(move |c| {
            let mut st =
                c.prepare_cached("SELECT code, date FROM daily_bars WHERE date BETWEEN ?1 AND ?2")?;
            let mut rows = st.query(params![date_text(from), date_text(to)])?;
            let mut out: HashMap<StockCode, BTreeSet<NaiveDate>> = HashMap::new();
            while let Some(r) = rows.next()? {
                let code: String = r.get(0)?;
                let date: String = r.get(1)?;
                out.entry(parse_code(&code)?)
                    .or_default()
                    .insert(parse_date(&date)?);
            }
            Ok(out)
        })
        .await
    }

    async fn count_bars(&self) -> Result<i64> {
        self.with(|c| Ok(c.query_row("SELECT COUNT(*) FROM daily_bars", [], |r| r.get(0))?))
            .await
    }

    async fn rejects(&self, run_id: Option<&str>) -> Result<Vec<Reject>> {
        let run_id = run_id.map(str::to_string);
        self.with(move |c| {
            let mut st = c.prepare_cached(
                "SELECT run_id, code, date, category, detail, raw FROM rejects
                 WHERE ?1 IS NULL OR run_id = ?1 ORDER BY id",
            )?;
            let rows = st
                .query_map(params![run_id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(run_id, code, date, category, detail, raw)| {
                    Ok(Reject {
                        run_id,
                        code: parse_code(&code)?,
                        date: date.as_deref().map(parse_date).transpose()?,
                        category,
                        detail,
                        raw,
                    })
                })
                .collect()
        })
        .await
    }

    async fn progress(&self, args_hash: &str) -> Result<HashMap<StockCode, Progress>> {
        let hash = args_hash.to_string();
        self.with(move |c| {
            let mut st =
                c.prepare_cached("SELECT code, status FROM ingest_progress WHERE args_hash = ?1")?;
            let mut rows = st.query(params![hash])?;
            let mut out = HashMap::new();
            while let Some(r) = rows.next()? {
                let code: String = r.get(0)?;
                let status: String = r.get(1)?;
                let p = Progress::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("progress status {status:?}")))?;
                out.insert(parse_code(&code)?, p);
            }
            Ok(out)
        })
        .await
    }

    async fn clear_progress(&self, args_hash: &str) -> Result<()> {
        let hash = args_hash.to_string();
        self.with(move |c| {
            c.execute(
                "DELETE FROM ingest_progress WHERE args_hash = ?1",
                params![hash],
            )?;
            Ok(())
        })
        .await
    }

    async fn save_run(&self, run: &RunRecord) -> Result<()> {
        let r = run.clone();
        self.with(move |c| {
            c.prepare_cached(UPSERT_RUN)?.execute(params![
                r.run_id,
                r.started_at,
                r.finished_at,
                r.date_from,
                r.date_to,
                r.args_hash,
                r.args,
                r.stocks_total,
                r.stocks_stored,
                r.bars_stored,
                r.rejected,
                r.failed,
                r.api_calls,
                r.status
            ])?;
            Ok(())
        })
        .await
    }

    async fn runs(&self) -> Result<Vec<RunRecord>> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT run_id, started_at, finished_at, date_from, date_to, args_hash, args,
                        stocks_total, stocks_stored, bars_stored, rejected, failed, api_calls,
                        status
                 FROM ingest_runs ORDER BY started_at, run_id",
            )?;
            let rows = st
                .query_map([], |r| {
                    Ok(RunRecord {
                        run_id: r.get(0)?,
                        started_at: r.get(1)?,
                        finished_at: r.get(2)?,
                        date_from: r.get(3)?,
                        date_to: r.get(4)?,
                        args_hash: r.get(5)?,
                        args: r.get(6)?,
                        stocks_total: r.get(7)?,
                        stocks_stored: r.get(8)?,
                        bars_stored: r.get(9)?,
                        rejected: r.get(10)?,
                        failed: r.get(11)?,
                        api_calls: r.get(12)?,
                        status: r.get(13)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }
}
