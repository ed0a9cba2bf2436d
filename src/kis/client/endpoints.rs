//! One method per KIS quotation endpoint: request, parse, page where KIS caps rows.

use super::*;

impl KisClient {
    // ---------------------------------------------------------------- endpoints

    /// Current price of one stock (inquire-price). No name: KIS does not send one here.
    pub async fn quote(&self, code: StockCode, prio: Priority) -> Result<Quote, KisError> {
        let body = self
            .get(wire::request::PRICE, wire::request::price(code), prio)
            .await?;
        wire::quote::price(&body, code, self.now())
    }

    /// Quotes of many stocks: 30 per intstock-multprice call; on the virtual server (which
    /// does not serve it) one inquire-price per code. Unknown codes are left out; results
    /// follow the order asked.
    pub async fn multi_quote(
        &self,
        codes: &[StockCode],
        prio: Priority,
    ) -> Result<Vec<Quote>, KisError> {
        let mut uniq: Vec<StockCode> = Vec::with_capacity(codes.len());
        for c in codes {
            if !uniq.contains(c) {
                uniq.push(*c);
            }
        }
        if uniq.is_empty() {
            return Ok(Vec::new());
        }
        if self.inner.env == Env::Virtual || self.inner.multi_unsupported.load(Ordering::Relaxed) {
            return self.quotes_one_by_one(&uniq, prio).await;
        }
        let chunks: Vec<&[StockCode]> = uniq.chunks(wire::request::MULTI_PRICE_MAX).collect();
        let calls = chunks.iter().map(|chunk| async move {
            let body = self
                .get(
                    wire::request::MULTI_PRICE,
                    wire::request::multi_price(chunk),
                    prio,
                )
                .await?;
            wire::quote::multi_price(&body, chunk, self.now())
        });
        let mut out = Vec::with_capacity(uniq.len());
        for r in futures::future::join_all(calls).await {
            match r {
                Ok(q) => out.extend(q),
                Err(e) if e.is_unsupported() => {
                    tracing::info!("intstock-multprice not served here; quoting one by one");
                    self.inner.multi_unsupported.store(true, Ordering::Relaxed);
                    return self.quotes_one_by_one(&uniq, prio).await;
                }
                Err(e) => return Err(e),
            }
        }
        out.sort_by_key(|q| uniq.iter().position(|c| *c == q.code));
        Ok(out)
    }

    async fn quotes_one_by_one(
        &self,
        codes: &[StockCode],
        prio: Priority,
    ) -> Result<Vec<Quote>, KisError> {
        let calls = codes.iter().map(|c| self.quote(*c, prio));
        let mut out = Vec::with_capacity(codes.len());
        for r in futures::future::join_all(calls).await {
            match r {
                Ok(q) => out.push(q),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The 10-level book with the expected fill.
    pub async fn order_book(&self, code: StockCode, prio: Priority) -> Result<OrderBook, KisError> {
        let body = self
            .get(
                wire::request::ORDER_BOOK,
                wire::request::order_book(code),
                prio,
            )
            .await?;
        wire::book::order_book(&body, code, self.now())
    }

    /// Period bars in `[from, to]`, oldest first, paging past the 100-row cap (the next call
    /// ends the day before the oldest bar received). `Period::Minute` gives today's minutes.
    pub async fn period_chart(
        &self,
        code: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        prio: Priority,
    ) -> Result<Vec<Candle>, KisError> {
        if period == Period::Minute {
            return self.minute_chart(code, prio).await;
        }
        let mut bars: BTreeMap<NaiveDate, Candle> = BTreeMap::new();
        let mut end = to;
        // A hard bound on pages, in case a server never shortens its pages.
        for _ in 0..2_000 {
            if end < from {
                break;
            }
            let body = self
                .get(
                    wire::request::PERIOD_CHART,
                    wire::request::period_chart(code, period, from, end),
                    prio,
                )
                .await?;
            let page = wire::chart::period_chart(&body)?;
            let Some(oldest) = page.bars.iter().map(|b| b.date).min() else {
                break;
            };
            for b in page.bars {
                if b.date >= from && b.date <= to {
                    bars.entry(b.date).or_insert(b);
                }
            }
            if page.raw_rows < wire::request::PERIOD_CHART_PAGE {
                break;
            }
            let Some(next) = oldest.pred_opt() else {
                break;
            };
            if next >= end {
                break; // no progress: stop rather than loop
            }
            end = next;
        }
        Ok(bars.into_values().collect())
    }

    /// Daily chart rows in `[from, to]` with their corporate-action fields, oldest first, raw
    /// (`adjusted` false: what traded) or adjusted (수정주가), paged like `period_chart`.
    pub async fn daily_chart_days(
        &self,
        code: StockCode,
        from: NaiveDate,
        to: NaiveDate,
        adjusted: bool,
        prio: Priority,
    ) -> Result<Vec<crate::market::ChartDay>, KisError> {
        let mut days: BTreeMap<NaiveDate, crate::market::ChartDay> = BTreeMap::new();
        let mut end = to;
        for _ in 0..2_000 {
            if end < from {
                break;
            }
            let body = self
                .get(
                    wire::request::PERIOD_CHART,
                    wire::request::daily_chart(code, from, end, adjusted),
                    prio,
                )
                .await?;
            let (page, raw_rows) = wire::chart::period_chart_days(&body)?;
            let Some(oldest) = page.iter().map(|b| b.candle.date).min() else {
                break;
            };
            for b in page {
                if b.candle.date >= from && b.candle.date <= to {
                    days.entry(b.candle.date).or_insert(b);
                }
            }
            if raw_rows < wire::request::PERIOD_CHART_PAGE {
                break;
            }
            let Some(next) = oldest.pred_opt() else {
                break;
            };
            if next >= end {
                break;
            }
            end = next;
        }
        Ok(days.into_values().collect())
    }

    /// The latest session's one-minute bars (today's once its pre-open has begun, else the last
    /// trading day's), oldest first, paging back by time (30 rows per call). Each
    /// bar's `value` is the traded value within that minute.
    pub async fn minute_chart(
        &self,
        code: StockCode,
        prio: Priority,
    ) -> Result<Vec<Candle>, KisError> {
        let now = self.now();
        let local = now.with_timezone(&crate::market::KST).time();
        let now_hms =
            NaiveTime::from_hms_opt(local.hour(), local.minute(), local.second()).unwrap_or(local);
        // The session whose minutes to show: today once its pre-open has begun; before that
        // (past midnight, a weekend, a holiday) the last trading day's, up to its close.
        let cal = crate::market::Calendar::krx();
        let today = kst_date(now);
        let started = cal
            .session_times(today)
            .is_some_and(|st| local >= st.pre_open_auction);
        let (day, mut at) = if started {
            (today, now_hms)
        } else {
            let day = cal.prev_trading_day(today);
            let close = cal.session_times(day).map_or(
                NaiveTime::from_hms_opt(15, 30, 0).unwrap_or(now_hms),
                |st| st.close,
            );
            (day, close)
        };
        let mut bars: BTreeMap<NaiveTime, Candle> = BTreeMap::new();
        for _ in 0..100 {
            let body = self
                .get(
                    wire::request::MINUTE_CHART,
                    wire::request::minute_chart(code, at),
                    prio,
                )
                .await?;
            let page = wire::chart::minute_chart(&body)?;
            let todays: Vec<Candle> = page.bars.into_iter().filter(|b| b.date == day).collect();
            let Some(oldest) = todays.iter().filter_map(|b| b.time).min() else {
                break;
            };
            for b in todays {
                if let Some(t) = b.time {
                    bars.entry(t).or_insert(b);
                }
            }
            if page.raw_rows < wire::request::MINUTE_CHART_PAGE {
                break;
            }
            let (next, wrapped) = oldest.overflowing_sub_signed(ChronoDuration::minutes(1));
            if wrapped != 0 || next >= at {
                break; // wrapped past midnight or no progress
            }
            at = next;
        }
        Ok(per_minute_values(bars.into_values().collect()))
    }

    /// The one-minute bars of the session of `day` (inquire-time-dailychartprice), oldest
    /// first, paging back from its close (120 rows per call). For the chart's previous
    /// session; the virtual server may refuse it (unconfirmed).
    pub async fn day_minute_chart(
        &self,
        code: StockCode,
        day: NaiveDate,
        prio: Priority,
    ) -> Result<Vec<Candle>, KisError> {
        let cal = crate::market::Calendar::krx();
        let Some(st) = cal.session_times(day) else {
            return Ok(Vec::new());
        };
        let mut at = st.close;
        let mut bars: BTreeMap<NaiveTime, Candle> = BTreeMap::new();
        for _ in 0..20 {
            let body = self
                .get(
                    wire::request::DAY_MINUTE_CHART,
                    wire::request::day_minute_chart(code, day, at),
                    prio,
                )
                .await?;
            let page = wire::chart::minute_chart(&body)?;
            let days: Vec<Candle> = page.bars.into_iter().filter(|b| b.date == day).collect();
            let Some(oldest) = days.iter().filter_map(|b| b.time).min() else {
                break;
            };
            for b in days {
                if let Some(t) = b.time {
                    bars.entry(t).or_insert(b);
                }
            }
            if page.raw_rows < wire::request::DAY_MINUTE_CHART_PAGE {
                break;
            }
            let (next, wrapped) = oldest.overflowing_sub_signed(ChronoDuration::minutes(1));
            if wrapped != 0 || next >= at {
                break;
            }
            at = next;
        }
        Ok(per_minute_values(bars.into_values().collect()))
    }

    /// The last 30 trading days (inquire-daily-price), oldest first. `value` is 0: this
    /// endpoint does not send it.
    pub async fn daily_price(
        &self,
        code: StockCode,
        prio: Priority,
    ) -> Result<Vec<Candle>, KisError> {
        let body = self
            .get(
                wire::request::DAILY_PRICE,
                wire::request::daily_price(code),
                prio,
            )
            .await?;
        let mut bars = wire::chart::daily_price(&body)?;
        bars.sort_by_key(|b| b.date);
        bars.dedup_by_key(|b| b.date);
        Ok(bars)
    }

    /// Reference information: search-stock-info (real) or the master files (virtual, where it
    /// is not served), completed with valuation fields from inquire-price.
    pub async fn stock_info(&self, code: StockCode, prio: Priority) -> Result<StockInfo, KisError> {
        let base = if self.inner.env == Env::Virtual {
            self.info_from_master(code).await?
        } else {
            let r = self
                .get(
                    wire::request::STOCK_INFO,
                    wire::request::stock_info(code),
                    prio,
                )
                .await
                .and_then(|b| wire::info::stock_info(&b, code));
            match r {
                Ok(i) => i,
                Err(e) if e.is_unsupported() => self.info_from_master(code).await?,
                // "조회할 내용이 없습니다": nothing under that code.
                Err(e) if e.msg_cd() == Some("KIOK0560") => {
                    return Err(KisError::NotFound {
                        endpoint: wire::request::STOCK_INFO.name.to_string(),
                        code: code.to_string(),
                    });
                }
                Err(e) => return Err(e),
            }
        };
        let body = self
            .get(wire::request::PRICE, wire::request::price(code), prio)
            .await?;
        // An unknown code shows up as a zeroed quote.
        wire::quote::price(&body, code, self.now())?;
        let v = wire::quote::valuation(&body)?;
        Ok(StockInfo {
            sector: base.sector.or(v.sector),
            listed_shares: base.listed_shares.or(v.listed_shares),
            market_cap: v
                .market_cap_eok
                .map(|e| crate::market::Krw(e.saturating_mul(100_000_000))),
            per: v.per,
            pbr: v.pbr,
            eps: v.eps,
            bps: v.bps,
            w52_high: v.w52_high,
            w52_low: v.w52_low,
            upper_limit: v.upper_limit,
            lower_limit: v.lower_limit,
            flags: crate::market::StatusFlags {
                halted: base.flags.halted || v.flags.halted,
                managed: base.flags.managed || v.flags.managed,
                warning: v.flags.warning,
                vi: v.flags.vi,
            },
            ..base
        })
    }

    async fn info_from_master(&self, code: StockCode) -> Result<StockInfo, KisError> {
        let u = self.universe().await?;
        let Some(l) = u.iter().find(|l| l.code == code) else {
            return Err(KisError::NotFound {
                endpoint: "master".to_string(),
                code: code.to_string(),
            });
        };
        Ok(StockInfo {
            code,
            name: l.name.clone(),
            name_en: l.name_en.clone(),
            market: l.market,
            kind: l.kind,
            isin: Some(l.isin.clone()).filter(|s| !s.is_empty()),
            sector: None,
            listed_shares: Some(l.listed_shares),
            market_cap: Some(crate::market::Krw(
                (l.market_cap_eok as i64).saturating_mul(100_000_000),
            )),
            per: None,
            pbr: None,
            eps: None,
            bps: None,
            w52_high: None,
            w52_low: None,
            upper_limit: None,
            lower_limit: None,
            flags: l.flags,
        })
    }

    /// Whether the market is open on `date` (chk-holiday; KIS asks for about one call a day).
    pub async fn holiday(
        &self,
        date: NaiveDate,
        prio: Priority,
    ) -> Result<wire::info::DayStatus, KisError> {
        if let Some(d) = self.days().get(&date) {
            return Ok(*d);
        }
        let body = self
            .get(wire::request::HOLIDAY, wire::request::holiday(date), prio)
            .await?;
        let days = wire::info::holidays(&body)?;
        let mut g = self.days();
        for d in days {
            g.insert(d.date, d);
        }
        g.get(&date)
            .copied()
            .ok_or_else(|| body.error(format!("chk-holiday did not cover {date}")))
    }

    fn days(&self) -> std::sync::MutexGuard<'_, HashMap<NaiveDate, wire::info::DayStatus>> {
        self.inner.days.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// KIS gives the cumulative traded value at each minute; turn it into per-minute values.
fn per_minute_values(mut bars: Vec<Candle>) -> Vec<Candle> {
    let mut prev_cum: Option<i64> = None;
    for b in &mut bars {
        let cum = b.value;
        if let Some(p) = prev_cum {
            b.value = crate::market::Krw((cum.0 - p).max(0));
        }
        prev_cum = Some(cum.0);
    }
    bars
}
