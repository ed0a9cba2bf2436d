//! Opt-in suite against the real KIS virtual server (모의투자). Runs only when KIS_APP_KEY and
//! KIS_APP_SECRET are set (virtual-account keys); otherwise it prints a visible note and
//! passes. The token is kept in hoga's normal state dir (or $HOGA_HOME), so repeated runs
//! reuse it instead of asking KIS for a new one (KIS allows one per minute and notifies the
//! account holder of each).
//!
//! Run: KIS_APP_KEY=... KIS_APP_SECRET=... cargo test --test client_real -- --nocapture

use chrono::Duration;
use hoga::config::{Config, Settings};
use hoga::kis::{ClientOptions, KisClient, Priority};
use hoga::market::{Env, Period, StockCode, kst_date};
use hoga::paths::Paths;
use secrecy::SecretString;

fn credentials() -> Option<(String, String)> {
    let k = std::env::var("KIS_APP_KEY")
        .ok()
        .filter(|s| !s.trim().is_empty())?;
    let s = std::env::var("KIS_APP_SECRET")
        .ok()
        .filter(|s| !s.trim().is_empty())?;
    Some((k, s))
}

#[tokio::test]
async fn real_virtual_server() {
    let Some((key, secret)) = credentials() else {
        eprintln!(
            "NOTE: client_real skipped: set KIS_APP_KEY and KIS_APP_SECRET (virtual-account keys) \
             to run hoga against the real KIS virtual server"
        );
        return;
    };
    let mut cfg = Config::default();
    cfg.kis.app_key = Some(SecretString::from(key));
    cfg.kis.app_secret = Some(SecretString::from(secret));
    cfg.kis.virtual_server = true;
    let paths = Paths::discover();
    let settings = Settings::build(&cfg, &paths).expect("a valid config");
    let opts = ClientOptions::in_dirs(paths.state_dir.clone(), paths.data_dir.clone());
    let client = KisClient::new(&settings.source.kis, opts).expect("client");
    assert_eq!(client.env(), Env::Virtual);
    let p = Priority::Interactive;
    let samsung = StockCode::new("005930").unwrap();
    let hynix = StockCode::new("000660").unwrap();

    let q = client.quote(samsung, p).await.expect("quote");
    eprintln!("quote 005930: {} ({:+})", q.price, q.change.0);
    assert!(q.price.0 > 0);
    assert!(client.token_expiry().is_some(), "token in hand");

    let qs = client
        .multi_quote(&[samsung, hynix], p)
        .await
        .expect("multi-quote fallback");
    assert_eq!(qs.len(), 2);

    let book = client.order_book(samsung, p).await.expect("order book");
    eprintln!(
        "book: best ask {:?}, best bid {:?}",
        book.best_ask(),
        book.best_bid()
    );

    let today = kst_date(chrono::Utc::now());
    let bars = client
        .period_chart(samsung, Period::Day, today - Duration::days(200), today, p)
        .await
        .expect("period chart");
    eprintln!("period chart: {} daily bars", bars.len());
    assert!(bars.len() > 100, "paged past the 100-row cap");
    assert!(bars.windows(2).all(|w| w[0].date < w[1].date));

    let minutes = client.minute_chart(samsung, p).await.expect("minute chart");
    eprintln!("minute chart: {} bars today", minutes.len());

    let day = client.holiday(today, p).await;
    match day {
        Ok(d) => eprintln!("chk-holiday {today}: open={}", d.open),
        // chk-holiday may be real-only; report it rather than fail the suite.
        Err(e) => eprintln!("chk-holiday on the virtual server: {e}"),
    }
    let m = client.metrics();
    eprintln!("metrics: {m:?}");
    assert_eq!(m.rate_limited, 0, "no EGW00201 at the virtual server's 1/s");
}
