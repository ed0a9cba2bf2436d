//! What a firing starts, with real processes: the command gets the alert as JSON on stdin; a
//! failing command (exit 1) and a hanging one (`sleep 60`, killed at a shortened timeout) are
//! reported through their handles and never hold up the caller or the next evaluation.

use hoga::feed::alerts::{
    ActionSettings, Actions, AlertEngine, AlertSettings, FIRED_FILE, Outcome, alert_json,
};
use hoga::market::alert::{Condition, Firing, Reading, Rule, Tuning};
use hoga::market::{Calendar, Krw, StockCode, Trade};
use std::time::Duration;

fn code() -> StockCode {
    StockCode::new("005930").unwrap()
}

fn firing(threshold: i64) -> Firing {
    let rule = Rule::new(code(), Condition::PriceAtOrAbove(Krw(threshold)));
    Firing {
        id: rule.id(),
        rule,
        value: Reading::Price(Krw(threshold + 100)),
        threshold: Some(Reading::Price(Krw(threshold))),
        at: chrono::Utc::now(),
    }
}

fn actions(command: &[&str], timeout: Duration) -> Actions {
    Actions::new(ActionSettings {
        bell: false,
        desktop_notification: false,
        command: command.iter().map(|s| s.to_string()).collect(),
        command_timeout: timeout,
    })
}

/// Waits for an action's handle, at most a minute (a bound, not a speed claim).
async fn outcome(h: tokio::task::JoinHandle<Outcome>) -> Outcome {
    tokio::time::timeout(Duration::from_secs(60), h)
        .await
        .expect("the action ends within a minute")
        .expect("the action's task does not panic")
}

#[tokio::test]
async fn the_command_reads_the_alert_as_json_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alert.json");
    let script = format!("cat > '{}'", file.display());
    let a = actions(&["sh", "-c", &script], Duration::from_secs(30));
    let f = firing(100_000);
    let mut handles = a.fire(&f);
    assert_eq!(handles.len(), 1);
    assert_eq!(outcome(handles.remove(0)).await, Outcome::Done);
    let text = std::fs::read_to_string(&file).unwrap();
    let got: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(got, alert_json(&f));
    assert_eq!(got["type"], "alert");
    assert_eq!(got["threshold"], 100_000);
}

#[tokio::test]
async fn failing_and_hanging_commands_do_not_block() {
    // Hanging: killed at the (shortened) timeout, reported, the process gone.
    let hang = actions(&["sleep", "60"], Duration::from_millis(300));
    let mut hung = hang.fire(&firing(1));
    // Failing: exit 1, reported as such, while the hanging one still runs.
    let fail = actions(&["sh", "-c", "exit 1"], Duration::from_secs(30));
    let mut failed = fail.fire(&firing(2));
    // A missing program is a failure too, not a panic.
    let missing = actions(&["/nonexistent/hoga-alert-hook"], Duration::from_secs(30));
    let mut absent = missing.fire(&firing(3));
    let failed = outcome(failed.remove(0)).await;
    assert!(
        matches!(&failed, Outcome::Failed(why) if why.contains("exit status: 1")),
        "{failed:?}"
    );
    assert!(matches!(
        outcome(absent.remove(0)).await,
        Outcome::Failed(_)
    ));
    let hung = outcome(hung.remove(0)).await;
    let Outcome::TimedOut { pid: Some(pid) } = hung else {
        panic!("{hung:?}")
    };
    // Killed and reaped: no process of that id is left (it may take the kernel a moment).
    let gone = async {
        while std::path::Path::new(&format!("/proc/{pid}")).exists() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), gone)
        .await
        .expect("the hanging command is gone after its timeout");
}

#[tokio::test]
async fn evaluation_goes_on_while_a_command_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let settings = AlertSettings {
        rules: Vec::new(),
        tuning: Tuning::default(),
        actions: ActionSettings {
            bell: false,
            desktop_notification: false,
            command: vec!["sleep".into(), "60".into()],
            command_timeout: Duration::from_secs(60),
        },
        state_dir: dir.path().to_path_buf(),
    };
    let rules = [
        Rule::new(code(), Condition::PriceAtOrAbove(Krw(80_000))),
        Rule::new(code(), Condition::PriceAtOrAbove(Krw(81_000))),
        Rule::new(code(), Condition::PriceAtOrAbove(Krw(82_000))),
    ];
    let (mut engine, warnings) = AlertEngine::new(&settings, &rules, Calendar::krx().clone());
    assert!(warnings.is_empty());
    let trade = |p: i64| Trade {
        code: code(),
        at: chrono::Utc::now(),
        price: Krw(p),
        change: Krw(p - 79_000),
        change_rate: hoga::market::Rate::of(Krw(p - 79_000), Krw(79_000)),
        qty: 1,
        acc_volume: 1,
        acc_value: Krw(p),
        side: None,
        strength: None,
    };
    // Each firing starts a 60-second command; the next trades are evaluated at once anyway
    // (more commands than may run at a time wait their turn, never the caller).
    let mut fired = 0;
    for p in [80_000, 81_000, 82_000, 82_100] {
        fired += engine.on_trade(&trade(p)).len();
    }
    assert_eq!(fired, 3);
    assert!(
        dir.path().join(FIRED_FILE).exists(),
        "the fired state is saved"
    );
}
