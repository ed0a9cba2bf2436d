//! The call path: de-duplication of identical requests, pacing (local limiter and the
//! key-wide Redis budget), the token, the HTTP request, classification, retries.

use super::retry;
use super::*;

impl KisClient {
    // ---------------------------------------------------------------- core call path

    /// GETs one endpoint, sharing an identical in-flight request when there is one.
    pub(crate) async fn get(
        &self,
        ep: Endpoint,
        query: wire::request::Query,
        prio: Priority,
    ) -> Result<Arc<Body>, KisError> {
        let mut key = String::with_capacity(64);
        key.push_str(ep.tr_id);
        for (k, v) in &query {
            key.push('&');
            key.push_str(k);
            key.push('=');
            key.push_str(v);
        }
        let (fut, shared) = {
            let mut g = self
                .inner
                .inflight
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            match g.get(&key) {
                Some(f) => (f.clone(), true),
                None => {
                    let me = self.clone();
                    let f = async move { me.call(ep, query, prio).await.map(Arc::new) }
                        .boxed()
                        .shared();
                    g.insert(key.clone(), f.clone());
                    (f, false)
                }
            }
        };
        if shared {
            Metrics::inc(&self.inner.metrics.dedup_shared);
        }
        let r = fut.clone().await;
        let mut g = self
            .inner
            .inflight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if g.get(&key).is_some_and(|f| f.ptr_eq(&fut)) {
            g.remove(&key);
        }
        r
    }

    /// Waits for a send slot: local pacing, then the key-wide budget in Redis when reachable.
    /// Keep the slot until the answer is in.
    async fn pace(&self, prio: Priority) -> Result<SendSlot, KisError> {
        let i = &self.inner;
        let permit = i
            .limiter
            .acquire(prio)
            .await
            .map_err(|_| KisError::Io("the KIS client is shutting down".to_string()))?;
        let mut shared = None;
        if let Some(c) = &i.coord {
            match c.acquire_budget(i.per_sec, i.limiter_margin).await {
                // Redis keeps the key-wide budget: this process may use all of it.
                Ok(slot) => {
                    i.limiter.set_per_sec(i.per_sec);
                    shared = Some(slot);
                }
                // Redis is gone: the configured share, split among the processes last seen
                // on the key, so that together they still stay under the limit. On the way
                // from the shared budget to the local share, the last window may hold the
                // other processes' requests that this one never saw: let it pass first.
                Err(_) => {
                    let local = (i.local_share / c.peers()).max(1);
                    let was_shared = i.limiter.usage().1 > local;
                    i.limiter.set_per_sec(local);
                    if was_shared {
                        tokio::time::sleep(Duration::from_secs(1) + i.limiter_margin).await;
                    }
                }
            }
        }
        Ok(SendSlot {
            _local: permit,
            _shared: shared,
        })
    }

    async fn call(
        &self,
        ep: Endpoint,
        query: wire::request::Query,
        prio: Priority,
    ) -> Result<Body, KisError> {
        let i = &self.inner;
        let Some(tm) = &i.token else {
            return Err(KisError::NoCredentials);
        };
        let started = Instant::now();
        let mut attempt: u32 = 0;
        let mut replayed = false;
        let result = loop {
            let admit = i.breaker.admit();
            if let Admit::No { until } = admit {
                break Err(KisError::BreakerOpen {
                    until,
                    cause: i.breaker.cause(),
                });
            }
            // The token first: a tokenP wait must not happen while holding a send slot.
            let token = match tm.get().await {
                Ok(t) => t,
                Err(e) => {
                    i.breaker.on_neutral();
                    break Err(e);
                }
            };
            let slot = match self.pace(prio).await {
                Ok(p) => p,
                Err(e) => {
                    i.breaker.on_neutral();
                    break Err(e);
                }
            };
            let sent = Instant::now();
            let res = self.send(ep, &query, &token.value).await;
            // The answer is in: the request has certainly arrived.
            drop(slot);
            i.metrics.record_latency(ep.name, sent.elapsed());
            Metrics::inc(&i.metrics.requests);
            let e = match res {
                Ok(body) => {
                    i.breaker.on_success();
                    break Ok(body);
                }
                Err(e) => e,
            };
            if e.is_token_rejected() && !replayed {
                // Expired or revoked mid-flight: refresh once and replay.
                i.breaker.on_neutral();
                replayed = true;
                Metrics::inc(&i.metrics.token_replays);
                tracing::info!(
                    endpoint = ep.name,
                    code = e.msg_cd(),
                    "token refused; refreshing and replaying"
                );
                tm.invalidate(&token).await;
                continue;
            }
            if e.is_rate_limited() {
                Metrics::inc(&i.metrics.rate_limited);
                i.limiter.on_rate_limited();
                i.breaker.on_neutral();
            } else if e.counts_against_breaker() {
                i.breaker.on_failure(e.cause());
            } else {
                i.breaker.on_neutral();
            }
            let policy = retry::Policy {
                max_retries: i.max_retries,
                base: i.retry_base,
                budget: i.retry_budget,
            };
            let (delay, e) =
                match retry::next(e, attempt, started.elapsed(), &policy, retry::jitter) {
                    retry::Next::Retry(delay, e) => (delay, e),
                    retry::Next::Fail(e) => break Err(e),
                };
            tracing::debug!(endpoint = ep.name, attempt, error = %e, ?delay, "retrying");
            Metrics::inc(&i.metrics.retries);
            tokio::time::sleep(delay).await;
            attempt += 1;
        };
        if result.is_err() {
            Metrics::inc(&i.metrics.failures);
        }
        result
    }

    async fn send(
        &self,
        ep: Endpoint,
        query: &wire::request::Query,
        token: &str,
    ) -> Result<Body, KisError> {
        let i = &self.inner;
        let (Some(key), Some(secret)) = (&i.appkey, &i.appsecret) else {
            return Err(KisError::NoCredentials);
        };
        let url = format!("{}{}", i.base_url, ep.path);
        let resp = i
            .http
            .get(&url)
            .query(query)
            .header("content-type", "application/json; charset=utf-8")
            .header("authorization", format!("Bearer {token}"))
            .header("appkey", key.expose_secret())
            .header("appsecret", secret.expose_secret())
            .header("tr_id", ep.tr_id)
            .header("tr_cont", "")
            .header("custtype", i.custtype.code())
            .send()
            .await
            .map_err(|e| http::network_error(ep.name, &e))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| http::network_error(ep.name, &e))?;
        wire::parse_body(ep.name, status, &bytes)
    }
}
