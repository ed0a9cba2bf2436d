//! The listed universe from the KOSPI and KOSDAQ master files.

use super::*;

impl KisClient {
    /// The listed universe (KOSPI + KOSDAQ master files), downloaded at most every 12 hours,
    /// with the last good copy on disk used when a download fails.
    pub async fn universe(&self) -> Result<Arc<Vec<Listing>>, KisError> {
        let mut g = self.inner.universe.lock().await;
        if let Some((at, u)) = g.as_ref()
            && at.elapsed() < Duration::from_secs(12 * 3600)
        {
            return Ok(u.clone());
        }
        let i = &self.inner;
        let (kospi, kosdaq) = tokio::join!(
            master::load(&i.master_http, &i.master_url, &i.data_dir, Market::Kospi),
            master::load(&i.master_http, &i.master_url, &i.data_dir, Market::Kosdaq),
        );
        let mut all = kospi?;
        all.extend(kosdaq?);
        let u = Arc::new(all);
        *g = Some((Instant::now(), u.clone()));
        Ok(u)
    }

    /// The KST instant of a `HHMMSS` time today — used by callers that page minute charts.
    pub fn today_at(&self, t: NaiveTime) -> DateTime<Utc> {
        kst_to_utc(kst_date(self.now()).and_time(t))
    }
}
