//! The whole market at a glance: index snapshots and charts, rankings (KIS_API.md §14).

use super::*;
use crate::market::{IndexBar, IndexCode, IndexQuote, Points, RankKind, RankMarket, RankRow};
use wire::index as wi;

impl KisClient {
    /// An index now, with its breadth (inquire-index-price, real only). Where that TR is not
    /// served (the virtual server), the last close from the daily index chart, marked by
    /// `closed_on`: never a live-looking value.
    pub async fn index(&self, code: IndexCode, prio: Priority) -> Result<IndexQuote, KisError> {
        if self.inner.env == Env::Virtual {
            return self.index_last_close(code, prio).await;
        }
        match self
            .get(wi::INDEX_PRICE, wi::index_price_query(code), prio)
            .await
        {
            Ok(body) => wi::index_price(&body, code, self.now()),
            Err(e) if e.is_unsupported() => self.index_last_close(code, prio).await,
            Err(e) => Err(e),
        }
    }

    /// The last completed session's close of an index from the daily index chart (the only
    /// index TR the virtual server serves): today's bar counts only once the close has passed.
    pub async fn index_last_close(
        &self,
        code: IndexCode,
        prio: Priority,
    ) -> Result<IndexQuote, KisError> {
        let now = self.now();
        let today = kst_date(now);
        let cal = crate::market::Calendar::krx();
        let body = self
            .get(
                wi::INDEX_CHART,
                wi::index_chart_query(code, Period::Day, today - ChronoDuration::days(20), today),
                prio,
            )
            .await?;
        let page = wi::index_chart(&body)?;
        let mut bars = page.bars;
        bars.sort_by_key(|b| std::cmp::Reverse(b.date));
        bars.dedup_by_key(|b| b.date);
        let local = now.with_timezone(&crate::market::KST).time();
        let completed = |d: NaiveDate| {
            d < today || (d == today && cal.session_times(d).is_none_or(|st| local >= st.close))
        };
        let Some(pos) = bars.iter().position(|b| completed(b.date)) else {
            return Err(body.error(format!("no completed session of index {code} in the chart")));
        };
        let last = bars[pos];
        let prev_close = match bars.get(pos + 1) {
            Some(p) => p.close,
            // Only one day in the answer: the header's previous close, if it is today's.
            None if last.date == today => page.header.prev_close.unwrap_or(last.close),
            None => last.close,
        };
        let change = last
            .close
            .0
            .checked_sub(prev_close.0)
            .map(Points)
            .ok_or_else(|| body.error("index levels do not fit"))?;
        let close_time = cal.session_times(last.date).map_or_else(
            || NaiveTime::from_hms_opt(15, 30, 0).unwrap_or(NaiveTime::MIN),
            |st| st.close,
        );
        Ok(IndexQuote {
            code,
            name: page
                .header
                .name
                .or_else(|| code.known_name().map(str::to_string)),
            value: last.close,
            change,
            change_rate: change.rate_of(prev_close),
            prev_close,
            open: last.open,
            high: last.high,
            low: last.low,
            volume: last.volume,
            value_traded: last.value,
            breadth: None,
            as_of: kst_to_utc(last.date.and_time(close_time)),
            closed_on: Some(last.date),
        })
    }

    /// Index bars (D/W/M/Y) in `[from, to]`, oldest first, paging past the 50-row cap by
    /// stepping the end date back before the oldest bar received (UNCONFIRMED on KIS).
    pub async fn index_chart(
        &self,
        code: IndexCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        prio: Priority,
    ) -> Result<Vec<IndexBar>, KisError> {
        let mut bars: BTreeMap<NaiveDate, IndexBar> = BTreeMap::new();
        let mut end = to;
        for _ in 0..500 {
            if end < from {
                break;
            }
            let body = self
                .get(
                    wi::INDEX_CHART,
                    wi::index_chart_query(code, period, from, end),
                    prio,
                )
                .await?;
            let page = wi::index_chart(&body)?;
            let Some(oldest) = page.bars.iter().map(|b| b.date).min() else {
                break;
            };
            for b in page.bars {
                if b.date >= from && b.date <= to {
                    bars.entry(b.date).or_insert(b);
                }
            }
            if page.raw_rows < wi::INDEX_CHART_PAGE {
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
        Ok(bars.into_values().collect())
    }

    /// One ranking: 30 rows in rank order (volume-rank or ranking/fluctuation; real only).
    pub async fn ranking(
        &self,
        kind: RankKind,
        market: RankMarket,
        prio: Priority,
    ) -> Result<Vec<RankRow>, KisError> {
        let body = self
            .get(
                wire::rank::endpoint(kind),
                wire::rank::query(kind, market),
                prio,
            )
            .await?;
        wire::rank::ranking(&body)
    }
}

impl KisClient {
    /// Investor flows of one stock, newest first (inquire-investor; real and virtual). Today's
    /// row appears only after the close: KIS publishes the day's figures then.
    pub async fn investors(
        &self,
        code: StockCode,
        prio: Priority,
    ) -> Result<Vec<crate::market::InvestorDay>, KisError> {
        let body = self
            .get(
                wire::flows::INVESTOR,
                wire::flows::investor_query(code),
                prio,
            )
            .await?;
        wire::flows::investor(&body)
    }

    /// The VI events of the latest trading day (today once it is one), of every stock or of
    /// one (inquire-vi-status; real only; at most 30).
    pub async fn vi_status(
        &self,
        code: Option<StockCode>,
        prio: Priority,
    ) -> Result<Vec<crate::market::ViEvent>, KisError> {
        let today = kst_date(self.now());
        let cal = crate::market::Calendar::krx();
        let day = if cal.is_trading_day(today) {
            today
        } else {
            cal.prev_trading_day(today)
        };
        let body = self
            .get(
                wire::flows::VI_STATUS,
                wire::flows::vi_query(code, day),
                prio,
            )
            .await?;
        let mut events = wire::flows::vi_status(&body)?;
        if let Some(c) = code {
            events.retain(|e| e.code == c);
        }
        Ok(events)
    }
}

impl KisClient {
    /// Today's one-minute bars of an index, oldest first: the newest 102 KIS sends
    /// (inquire-time-indexchartprice; real only).
    pub async fn index_minutes(
        &self,
        code: IndexCode,
        prio: Priority,
    ) -> Result<Vec<IndexBar>, KisError> {
        let body = self
            .get(wi::INDEX_MINUTES, wi::index_minutes_query(code), prio)
            .await?;
        wi::index_minutes(&body)
    }
}
