//! The PostgreSQL store (tokio-postgres): same schema and semantics as SQLite.
//!
//! Bulk writes go through `UNNEST` of column arrays: one statement per table per batch,
//! whatever the batch size, inside one transaction.

use super::listings::{self, ListingOp};
use super::schema;
use super::sqlite::{adjustment_from_row, listing_from_row, listing_row, stored_bar};
use super::{
    Adjustment, ListedIssue, ListingChanges, ListingState, Progress, Reject, Result, RunRecord,
    Store, StoreError, StoredBar, WriteBatch, date_text, parse_code, parse_date, redact_url, ts,
};
use crate::market::{Listing, StockCode};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls};

pub struct PgStore {
    client: Mutex<Client>,
    label: String,
    conn_task: tokio::task::JoinHandle<()>,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.conn_task.abort();
    }
}

/// Serialises concurrent migrations of the same database (two hogas starting at once).
const MIGRATION_LOCK: i64 = 0x686f_6761; // "hoga"

impl PgStore {
    /// Connects, selects (creating) `schema` when given, and migrates.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<PgStore> {
        let (mut client, connection) = tokio_postgres::connect(url, NoTls).await?;
        let conn_task = tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "postgresql connection closed");
            }
        });
        migrate(&mut client, schema).await?;
        let label = match schema {
            Some(s) => format!("{} (schema {s})", redact_url(url)),
            None => redact_url(url),
        };
        Ok(PgStore {
            client: Mutex::new(client),
            label,
            conn_task,
        })
    }
}

/// Creates the schema when asked and applies the missing migrations, all in one transaction
/// under an advisory lock: hogas connecting at once wait for each other (`CREATE SCHEMA IF NOT
/// EXISTS` and `CREATE TABLE IF NOT EXISTS` are not safe against a concurrent twin), and one
/// refused for a foreign table leaves nothing behind.
async fn migrate(client: &mut Client, schema: Option<&str>) -> Result<()> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    if let Some(s) = schema {
        // `s` was checked to be [A-Za-z0-9_]+ when the spec was parsed; quote it anyway.
        // A plain SET inside the transaction lasts for the session once it commits.
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS \"{s}\"; SET search_path TO \"{s}\""
        ))
        .await?;
    }
    // The owned tables that already exist, checked before anything is written.
    let owned = schema::owned_tables()?;
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in tx
        .query(
            "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ANY($1)
             ORDER BY table_name, ordinal_position",
            &[&owned],
        )
        .await?
    {
        found
            .entry(row.try_get(0)?)
            .or_default()
            .push(row.try_get(1)?);
    }
    let current: i64 = match found.remove("schema_version") {
        None => 0,
        Some(cols) => {
            let versions = BTreeMap::from([("schema_version".to_string(), cols)]);
            schema::check_columns(&versions, 0)?;
            tx.query_one(
                "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_version",
                &[],
            )
            .await?
            .try_get(0)?
        }
    };
    schema::check_found(schema::POSTGRES, &found, current)?;
    tx.batch_execute(schema::VERSION_TABLE).await?;
    for (version, sql) in schema::POSTGRES.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)
             ON CONFLICT (version) DO NOTHING",
            &[version, &ts(Utc::now())],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Serialises listing-history observations (shards reading one master at once).
const LISTING_LOCK: i64 = 0x686f_6762;

/// Upserts the `stocks` rows of `stocks` (not their listing columns).
async fn upsert_stock_rows(
    tx: &tokio_postgres::Transaction<'_>,
    stocks: &[Listing],
    updated_at: DateTime<Utc>,
) -> Result<()> {
    let st = tx
        .prepare(
            "INSERT INTO stocks
                    (code, name, name_en, market, isin, group_code, kind, listed_shares,
                     base_price, market_cap_eok, flags, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 ON CONFLICT (code) DO UPDATE SET
                    name = excluded.name, name_en = COALESCE(excluded.name_en, stocks.name_en),
                    market = excluded.market, isin = excluded.isin,
                    group_code = excluded.group_code, kind = excluded.kind,
                    listed_shares = excluded.listed_shares, base_price = excluded.base_price,
                    market_cap_eok = excluded.market_cap_eok, flags = excluded.flags,
                    updated_at = excluded.updated_at",
        )
        .await?;
    let at = ts(updated_at);
    for l in stocks {
        let [code, market, kind, flags, group] = listing_row(l)?;
        let shares = i64::try_from(l.listed_shares).unwrap_or(i64::MAX);
        let cap = i64::try_from(l.market_cap_eok).unwrap_or(i64::MAX);
        tx.execute(
            &st,
            &[
                &code,
                &l.name,
                &l.name_en,
                &market,
                &l.isin,
                &group,
                &kind,
                &shares,
                &l.base_price.0,
                &cap,
                &flags,
                &at,
            ],
        )
        .await?;
    }
    Ok(())
}

/// Every issue's listing state.
async fn read_states(tx: &tokio_postgres::Transaction<'_>) -> Result<Vec<ListingState>> {
    let mut stocks = Vec::new();
    for r in tx
        .query(
            "SELECT code, listed_on, delisted_on, last_seen FROM stocks ORDER BY code",
            &[],
        )
        .await?
    {
        stocks.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?));
    }
    let mut names = Vec::new();
    for r in tx
        .query(
            "SELECT code, valid_from, name, market FROM stock_history ORDER BY code, valid_from",
            &[],
        )
        .await?
    {
        names.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?));
    }
    super::assemble_states(stocks, names)
}

#[async_trait]
impl Store for PgStore {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn describe(&self) -> String {
        self.label.clone()
    }

    async fn schema_version(&self) -> Result<i64> {
        let c = self.client.lock().await;
        Ok(c.query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_version",
            &[],
        )
        .await?
        .get(0))
    }

    async fn write(&self, mut batch: WriteBatch) -> Result<usize> {
        if batch.is_empty() {
            return Ok(0);
        }
        batch.dedup_bars();
        let mut c = self.client.lock().await;
        let tx = c.transaction().await?;
        let n = batch.bars.len();
        if n > 0 {
            let at = ts(batch.ingested_at);
            let mut code = Vec::with_capacity(n);
            let mut date = Vec::with_capacity(n);
            let (mut o, mut h, mut l, mut cl, mut vol, mut val) = (
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
            );
            for b in &batch.bars {
                code.push(b.code.to_string());
                date.push(date_text(b.date));
                o.push(b.open.0);
                h.push(b.high.0);
                l.push(b.low.0);
                cl.push(b.close.0);
                vol.push(b.volume);
                val.push(b.value.0);
            }
            tx.execute(
                "INSERT INTO daily_bars
                    (code, date, open, high, low, close, volume, value, source, ingested_at)
                 SELECT u.code, u.date, u.o, u.h, u.l, u.c, u.vol, u.val, $9, $10
                 FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::int8[], $5::int8[],
                             $6::int8[], $7::int8[], $8::int8[])
                      AS u(code, date, o, h, l, c, vol, val)
                 ON CONFLICT (code, date) DO UPDATE SET
                    open = excluded.open, high = excluded.high, low = excluded.low,
                    close = excluded.close, volume = excluded.volume, value = excluded.value,
                    source = excluded.source, ingested_at = excluded.ingested_at",
                &[
                    &code,
                    &date,
                    &o,
                    &h,
                    &l,
                    &cl,
                    &vol,
                    &val,
                    &batch.source,
                    &at,
                ],
            )
            .await?;
        }
        if !batch.rejects.is_empty() {
            let r = &batch.rejects;
            let run: Vec<&str> = r.iter().map(|x| x.run_id.as_str()).collect();
            let code: Vec<String> = r.iter().map(|x| x.code.to_string()).collect();
            let date: Vec<Option<String>> = r.iter().map(|x| x.date.map(date_text)).collect();
            let cat: Vec<&str> = r.iter().map(|x| x.category.as_str()).collect();
            let detail: Vec<&str> = r.iter().map(|x| x.detail.as_str()).collect();
            let raw: Vec<&str> = r.iter().map(|x| x.raw.as_str()).collect();
            tx.execute(
                "INSERT INTO rejects (run_id, code, date, category, detail, raw)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[],
                                      $5::text[], $6::text[])",
                &[&run, &code, &date, &cat, &detail, &raw],
            )
            .await?;
        }
        if !batch.progress.is_empty() {
            // Last mark per (hash, code) wins, as with the bars.
            let mut marks: HashMap<(&str, StockCode), Progress> = HashMap::new();
            for (h, c, p) in &batch.progress {
                marks.insert((h.as_str(), *c), *p);
            }
            let hash: Vec<&str> = marks.keys().map(|k| k.0).collect();
            let code: Vec<String> = marks.keys().map(|k| k.1.to_string()).collect();
            let status: Vec<&str> = marks.values().map(|p| p.as_str()).collect();
            tx.execute(
                "INSERT INTO ingest_progress (args_hash, code, status)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])
                 ON CONFLICT (args_hash, code) DO UPDATE SET status = excluded.status",
                &[&hash, &code, &status],
            )
            .await?;
        }
        if !batch.no_trade.is_empty() {
            let code: Vec<String> = batch.no_trade.iter().map(|x| x.0.to_string()).collect();
            let date: Vec<String> = batch.no_trade.iter().map(|x| date_text(x.1)).collect();
            tx.execute(
                "INSERT INTO no_trade_days (code, date)
                 SELECT * FROM UNNEST($1::text[], $2::text[])
                 ON CONFLICT (code, date) DO NOTHING",
                &[&code, &date],
            )
            .await?;
        }
        if !batch.adjustments.is_empty() {
            let at = ts(batch.ingested_at);
            let st = tx
                .prepare(
                    "INSERT INTO adjustments
                        (code, ex_date, factor_num, factor_den, cum_num, cum_den, kind, source,
                         learned_at)
                     VALUES ($1, $2, $3, $4, $3, $4, $5, $6, $7)
                     ON CONFLICT (code, ex_date) DO UPDATE SET kind = excluded.kind,
                        source = excluded.source
                     WHERE adjustments.kind = 'other' AND excluded.kind <> 'other'",
                )
                .await?;
            for a in &batch.adjustments {
                tx.execute(
                    &st,
                    &[
                        &a.code.to_string(),
                        &date_text(a.ex_date),
                        &a.factor.num,
                        &a.factor.den,
                        &a.kind.as_str(),
                        &a.source,
                        &at,
                    ],
                )
                .await?;
            }
            let codes: BTreeSet<StockCode> = batch.adjustments.iter().map(|a| a.code).collect();
            for code in codes {
                let code = code.to_string();
                let rows = tx
                    .query(
                        "SELECT ex_date, factor_num, factor_den FROM adjustments
                         WHERE code = $1 ORDER BY ex_date",
                        &[&code],
                    )
                    .await?;
                let mut dates = Vec::with_capacity(rows.len());
                let mut factors = Vec::with_capacity(rows.len());
                for r in &rows {
                    let (d, n, m): (String, i64, i64) =
                        (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                    factors.push(crate::market::Ratio::new(n, m).ok_or_else(|| {
                        StoreError::Corrupt(format!("{code} {d}: factor {n}/{m}"))
                    })?);
                    dates.push(d);
                }
                for (d, cum) in dates.iter().zip(super::cumulative(&factors)) {
                    tx.execute(
                        "UPDATE adjustments SET cum_num = $3, cum_den = $4
                         WHERE code = $1 AND ex_date = $2",
                        &[&code, d, &cum.num, &cum.den],
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(n)
    }

    async fn upsert_stocks(&self, stocks: &[Listing], updated_at: DateTime<Utc>) -> Result<usize> {
        let mut c = self.client.lock().await;
        let tx = c.transaction().await?;
        upsert_stock_rows(&tx, stocks, updated_at).await?;
        tx.commit().await?;
        Ok(stocks.len())
    }

    async fn observe_master(
        &self,
        master: &[Listing],
        observed: NaiveDate,
        at: DateTime<Utc>,
        delist_after: u32,
    ) -> Result<ListingChanges> {
        let mut c = self.client.lock().await;
        let tx = c.transaction().await?;
        // Shards reading the same master at once take turns: each sees what the last wrote.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LISTING_LOCK])
            .await?;
        let states: HashMap<StockCode, ListingState> = read_states(&tx)
            .await?
            .into_iter()
            .map(|s| (s.code, s))
            .collect();
        upsert_stock_rows(&tx, master, at).await?;
        let (ops, changes) = listings::observe(
            &states,
            master,
            observed,
            delist_after,
            crate::market::Calendar::krx(),
        );
        let dates = tx
            .prepare(
                "UPDATE stocks SET listed_on = $2, delisted_on = $3, last_seen = $4
                 WHERE code = $1",
            )
            .await?;
        let name = tx
            .prepare(
                "INSERT INTO stock_history (code, valid_from, name, market)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (code, valid_from) DO UPDATE SET
                    name = excluded.name, market = excluded.market",
            )
            .await?;
        let first = tx
            .prepare("UPDATE stock_history SET valid_from = $3 WHERE code = $1 AND valid_from = $2")
            .await?;
        for op in &ops {
            match op {
                ListingOp::Dates {
                    code,
                    listed_on,
                    delisted_on,
                    last_seen,
                } => {
                    tx.execute(
                        &dates,
                        &[
                            &code.as_str(),
                            &listed_on.map(date_text),
                            &delisted_on.map(date_text),
                            &last_seen.map(date_text),
                        ],
                    )
                    .await?;
                }
                ListingOp::Name { code, span } => {
                    tx.execute(
                        &name,
                        &[
                            &code.as_str(),
                            &date_text(span.valid_from),
                            &span.name,
                            &super::market_text(span.market),
                        ],
                    )
                    .await?;
                }
                ListingOp::FirstNameFrom { code, from, to } => {
                    tx.execute(
                        &first,
                        &[&code.as_str(), &date_text(*from), &date_text(*to)],
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(changes)
    }

    async fn listings(&self) -> Result<Vec<ListingState>> {
        let mut c = self.client.lock().await;
        let tx = c.transaction().await?;
        let out = read_states(&tx).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn universe_on(&self, date: NaiveDate) -> Result<Vec<ListedIssue>> {
        let c = self.client.lock().await;
        let sql = listings::UNIVERSE_ON_SQL.replace("{d}", "$1");
        let rows = c.query(&sql, &[&date_text(date)]).await?;
        rows.iter()
            .map(|r| {
                Ok(ListedIssue {
                    code: parse_code(r.try_get::<_, &str>(0)?)?,
                    name: r.try_get(1)?,
                    market: super::parse_market(r.try_get::<_, &str>(2)?)?,
                    listed_on: super::parse_opt_date(r.try_get(3)?)?,
                    delisted_on: super::parse_opt_date(r.try_get(4)?)?,
                })
            })
            .collect()
    }

    async fn load_stocks(&self) -> Result<Vec<Listing>> {
        let c = self.client.lock().await;
        let rows = c
            .query(
                "SELECT code, name, name_en, market, isin, group_code, kind, listed_shares,
                        base_price, market_cap_eok, flags, listed_on FROM stocks ORDER BY code",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                listing_from_row(
                    r.get::<_, &str>(0),
                    r.get(1),
                    r.get(2),
                    r.get::<_, &str>(3),
                    r.get(4),
                    r.get(5),
                    r.get::<_, &str>(6),
                    r.get(7),
                    r.get(8),
                    r.get(9),
                    r.get::<_, &str>(10),
                    r.get(11),
                )
            })
            .collect()
    }

    async fn adjustments(&self, code: Option<StockCode>) -> Result<Vec<Adjustment>> {
        let c = self.client.lock().await;
        let code = code.map(|c| c.to_string());
        let rows = c
            .query(
                "SELECT code, ex_date, factor_num, factor_den, kind, source FROM adjustments
                 WHERE ($1::text IS NULL OR code = $1) ORDER BY code, ex_date",
                &[&code],
            )
            .await?;
        rows.iter()
            .map(|r| {
                adjustment_from_row(
                    r.try_get::<_, &str>(0)?,
                    r.try_get::<_, &str>(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get::<_, &str>(4)?,
                    r.try_get(5)?,
                )
            })
            .collect()
    }

    async fn adjusted_bars(
        &self,
        code: Option<StockCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<StoredBar>> {
        let c = self.client.lock().await;
        let code = code.map(|c| c.to_string());
        let rows = c
            .query(
                "SELECT code, date, open, high, low, close, volume, value, source, ingested_at
                 FROM daily_bars_adjusted
                 WHERE ($1::text IS NULL OR code = $1) AND date BETWEEN $2 AND $3
                 ORDER BY code, date",
                &[&code, &date_text(from), &date_text(to)],
            )
            .await?;
        rows.iter().map(pg_bar).collect()
    }

    async fn bar_spans(&self) -> Result<HashMap<StockCode, (NaiveDate, NaiveDate)>> {
        let c = self.client.lock().await;
        let rows = c
            .query(
                "SELECT code, MIN(date), MAX(date) FROM daily_bars GROUP BY code",
                &[],
            )
            .await?;
        let mut out = HashMap::new();
        for r in rows {
            out.insert(
                parse_code(r.try_get::<_, &str>(0)?)?,
                (
                    parse_date(r.try_get::<_, &str>(1)?)?,
                    parse_date(r.try_get::<_, &str>(2)?)?,
                ),
            );
        }
        Ok(out)
    }

    async fn no_trade_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<StockCode, BTreeSet<NaiveDate>>> {
        let c = self.client.lock().await;
        let rows = c
            .query(
                "SELECT code, date FROM no_trade_days WHERE date BETWEEN $1 AND $2",
                &[&date_text(from), &date_text(to)],
            )
            .await?;
        let mut out: HashMap<StockCode, BTreeSet<NaiveDate>> = HashMap::new();
        for r in rows {
            out.entry(parse_code(r.try_get::<_, &str>(0)?)?)
                .or_default()
                .insert(parse_date(r.try_get::<_, &str>(1)?)?);
        }
        Ok(out)
    }

    async fn listed_now(&self) -> Result<BTreeSet<StockCode>> {
        let c = self.client.lock().await;
        let rows = c
            .query("SELECT code FROM stocks WHERE delisted_on IS NULL", &[])
            .await?;
        rows.iter()
            .map(|r| parse_code(r.try_get::<_, &str>(0)?))
            .collect()
    }

    async fn adjusted_day(&self, date: NaiveDate) -> Result<Vec<StoredBar>> {
        let c = self.client.lock().await;
        let rows = c
            .query(
                "SELECT v.code, v.date, v.open, v.high, v.low, v.close, v.volume, v.value,
                        v.source, v.ingested_at
                 FROM stocks s JOIN daily_bars_adjusted v ON v.code = s.code
                 WHERE v.date = $1 ORDER BY v.code",
                &[&date_text(date)],
            )
            .await?;
        rows.iter().map(pg_bar).collect()
    }

    async fn bars(
        &self,
        code: Option<StockCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<StoredBar>> {
        let c = self.client.lock().await;
        let code = code.map(|c| c.to_string());
        let rows = c
            .query(
                "SELECT code, date, open, high, low, close, volume, value, source, ingested_at
                 FROM daily_bars
                 WHERE ($1::text IS NULL OR code = $1) AND date BETWEEN $2 AND $3
                 ORDER BY code, date",
                &[&code, &date_text(from), &date_text(to)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                stored_bar(
                    r.get::<_, &str>(0),
                    r.get::<_, &str>(1),
                    [r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7)],
                    r.get(8),
                    r.get(9),
                )
            })
            .collect()
    }

    async fn stored_dates(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<StockCode, BTreeSet<NaiveDate>>> {
        let c = self.client.lock().await;
        let rows = c
            .query(
                "SELECT code, date FROM daily_bars WHERE date BETWEEN $1 AND $2",
                &[&date_text(from), &date_text(to)],
            )
            .await?;
        let mut out: HashMap<StockCode, BTreeSet<NaiveDate>> = HashMap::new();
        for r in &rows {
            out.entry(parse_code(r.get::<_, &str>(0))?)
                .or_default()
                .insert(parse_date(r.get::<_, &str>(1))?);
        }
        Ok(out)
    }

    async fn count_bars(&self) -> Result<i64> {
        let c = self.client.lock().await;
        Ok(c.query_one("SELECT COUNT(*) FROM daily_bars", &[])
            .await?
            .get(0))
    }

    async fn rejects(&self, run_id: Option<&str>) -> Result<Vec<Reject>> {
        let c = self.client.lock().await;
        let rows = c
            .query(
                "SELECT run_id, code, date, category, detail, raw FROM rejects
                 WHERE $1::text IS NULL OR run_id = $1 ORDER BY id",
                &[&run_id],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Reject {
                    run_id: r.get(0),
                    code: parse_code(r.get::<_, &str>(1))?,
                    date: r.get::<_, Option<&str>>(2).map(parse_date).transpose()?,
                    category: r.get(3),
                    detail: r.get(4),
                    raw: r.get(5),
                })
            })
            .collect()
    }

    async fn progress(&self, args_hash: &str) -> Result<HashMap<StockCode, Progress>> {
        let c = self.client.lock().await;
        let rows = c
            .query(
                "SELECT code, status FROM ingest_progress WHERE args_hash = $1",
                &[&args_hash],
            )
            .await?;
        let mut out = HashMap::new();
        for r in &rows {
            let status: &str = r.get(1);
            let p = Progress::parse(status)
                .ok_or_else(|| StoreError::Corrupt(format!("progress status {status:?}")))?;
            out.insert(parse_code(r.get::<_, &str>(0))?, p);
        }
        Ok(out)
    }

    async fn clear_progress(&self, args_hash: &str) -> Result<()> {
        let c = self.client.lock().await;
        c.execute(
            "DELETE FROM ingest_progress WHERE args_hash = $1",
            &[&args_hash],
        )
        .await?;
        Ok(())
    }

    async fn save_run(&self, r: &RunRecord) -> Result<()> {
        let c = self.client.lock().await;
        c.execute(
            "INSERT INTO ingest_runs
                (run_id, started_at, finished_at, date_from, date_to, args_hash, args,
                 stocks_total, stocks_stored, bars_stored, rejected, failed, api_calls, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (run_id) DO UPDATE SET
                finished_at = excluded.finished_at, stocks_total = excluded.stocks_total,
                stocks_stored = excluded.stocks_stored, bars_stored = excluded.bars_stored,
                rejected = excluded.rejected, failed = excluded.failed,
                api_calls = excluded.api_calls, status = excluded.status",
            &[
                &r.run_id,
                &r.started_at,
                &r.finished_at,
                &r.date_from,
                &r.date_to,
                &r.args_hash,
                &r.args,
                &r.stocks_total,
                &r.stocks_stored,
                &r.bars_stored,
                &r.rejected,
                &r.failed,
                &r.api_calls,
                &r.status,
            ],
        )
        .await?;
        Ok(())
    }

    async fn runs(&self) -> Result<Vec<RunRecord>> {
        let c = self.client.lock().await;
        let rows = c
            .query(
                "SELECT run_id, started_at, finished_at, date_from, date_to, args_hash, args,
                        stocks_total, stocks_stored, bars_stored, rejected, failed, api_calls,
                        status
                 FROM ingest_runs ORDER BY started_at, run_id",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| RunRecord {
                run_id: r.get(0),
                started_at: r.get(1),
                finished_at: r.get(2),
                date_from: r.get(3),
                date_to: r.get(4),
                args_hash: r.get(5),
                args: r.get(6),
                stocks_total: r.get(7),
                stocks_stored: r.get(8),
                bars_stored: r.get(9),
                rejected: r.get(10),
                failed: r.get(11),
                api_calls: r.get(12),
                status: r.get(13),
            })
            .collect())
    }
}

fn pg_bar(r: &tokio_postgres::Row) -> Result<StoredBar> {
    stored_bar(
        r.try_get::<_, &str>(0)?,
        r.try_get::<_, &str>(1)?,
        [
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
            r.try_get(6)?,
            r.try_get(7)?,
        ],
        r.try_get(8)?,
        r.try_get(9)?,
    )
}
