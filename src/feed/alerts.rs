//! Alerts, the I/O part shared by the monitor and `hoga alerts`: the rules the monitor defines
//! (`alerts.json` in the state dir) merged with the config's `[[alerts]]`, the fired state
//! (`alerts-fired.json`, so a restart does not fire again what already fired), and the actions
//! a firing starts — a desktop notification and a command with the alert as JSON on stdin,
//! spawned and never awaited by the caller, killed after a timeout. The rules and their
//! evaluation are pure, in [`crate::market::alert`]; [`AlertEngine`] puts the two together.

use crate::market::alert::{
    Evaluator, FiredState, Firing, Observation, Reading, Rule, RuleSpec, Tuning,
};
use crate::market::{Calendar, KST, Quote, StockCode, Trade};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// The monitor's own rules, beside `watchlists.json`.
pub const RULES_FILE: &str = "alerts.json";
/// Which rules have fired and not re-armed, shared by the monitor and `hoga alerts`.
pub const FIRED_FILE: &str = "alerts-fired.json";
/// Commands (and notifications) running at once; more wait their turn, never the caller.
const MAX_RUNNING: usize = 4;

/// `[alerts_settings]` and `[[alerts]]`, checked at load.
#[derive(Clone, Debug, Default)]
pub struct AlertSettings {
    /// The config's rules: read-only for the monitor.
    pub rules: Vec<Rule>,
    pub tuning: Tuning,
    pub actions: ActionSettings,
    /// Where the rules file and the fired state are kept.
    pub state_dir: PathBuf,
}

/// What a firing does besides being shown or printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionSettings {
    /// The monitor rings the terminal bell (the monitor reads this flag; nothing here rings).
    pub bell: bool,
    /// Run `notify-send` (when it is installed).
    pub desktop_notification: bool,
    /// Program and arguments, run with the alert's JSON on stdin; empty for none.
    pub command: Vec<String>,
    /// The command is killed after this long.
    pub command_timeout: Duration,
}

impl Default for ActionSettings {
    fn default() -> Self {
        ActionSettings {
            bell: true,
            desktop_notification: false,
            command: Vec::new(),
            command_timeout: Duration::from_secs(10),
        }
    }
}

/// Where a rule comes from: the config's are read-only, the monitor's editable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleOrigin {
    Config,
    Monitor,
}

/// The monitor's rules file: a list of rules written as the config writes them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserRules {
    pub rules: Vec<Rule>,
}

#[derive(Serialize, Deserialize)]
struct RulesFile {
    rules: Vec<RuleSpec>,
}

#[derive(Serialize, Deserialize)]
struct FiredFile {
    /// Bumped if the shape changes; a file of another version is ignored (all rules armed).
    version: u32,
    #[serde(flatten)]
    state: FiredState,
}

const FIRED_VERSION: u32 = 1;

/// Writes `bytes` to `dir/name` atomically (temp file + rename), mode 0600 whatever the umask
/// (the pattern of the watchlists file).
fn write_private(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{name}.tmp"));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    #[cfg(unix)]
    {
        // A leftover temp file from a crash keeps its old mode: narrow it.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(bytes)?;
    drop(f);
    std::fs::rename(&tmp, dir.join(name))
}

impl UserRules {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(RULES_FILE)
    }

    /// The saved rules (none without a file). A file that does not parse, or a rule in it that
    /// does not, is reported (the path and why, for the caller to word) and skipped, never
    /// fatal; the file is left as it is.
    pub fn load(state_dir: &Path) -> (UserRules, Vec<String>) {
        let path = Self::path(state_dir);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (UserRules::default(), Vec::new());
            }
            Err(e) => {
                return (
                    UserRules::default(),
                    vec![format!("cannot read {}: {e}", path.display())],
                );
            }
        };
        let file: RulesFile = match serde_json::from_slice(&bytes) {
            Ok(f) => f,
            Err(e) => {
                return (
                    UserRules::default(),
                    vec![format!(
                        "{}: not a rules file ({e}); ignored",
                        path.display()
                    )],
                );
            }
        };
        let mut out = UserRules::default();
        let mut warnings = Vec::new();
        for (i, spec) in file.rules.iter().enumerate() {
            match spec.to_rule() {
                Ok(r) => out.rules.push(r),
                Err(e) => warnings.push(format!(
                    "{}: rules[{i}]{}: {e}; this rule is ignored",
                    path.display(),
                    if e.key.is_empty() {
                        String::new()
                    } else {
                        format!(".{}", e.key)
                    }
                )),
            }
        }
        (out, warnings)
    }

    /// Writes the rules atomically, mode 0600.
    pub fn save(&self, state_dir: &Path) -> std::io::Result<()> {
        let file = RulesFile {
            rules: self.rules.iter().map(Rule::spec).collect(),
        };
        let json = serde_json::to_vec_pretty(&file).map_err(std::io::Error::other)?;
        write_private(state_dir, RULES_FILE, &json)
    }
}

/// The config's rules then the monitor's, each rule once (by id), with its origin.
pub fn merged(config: &[Rule], user: &UserRules) -> Vec<(Rule, RuleOrigin)> {
    let mut out: Vec<(Rule, RuleOrigin)> = Vec::with_capacity(config.len() + user.rules.len());
    let mut ids = std::collections::HashSet::new();
    let tagged = config
        .iter()
        .map(|r| (*r, RuleOrigin::Config))
        .chain(user.rules.iter().map(|r| (*r, RuleOrigin::Monitor)));
    for (rule, origin) in tagged {
        if ids.insert(rule.id()) {
            out.push((rule, origin));
        }
    }
    out
}

/// The fired state in `state_dir`, or none: a missing file is a first run, a corrupt one (or
/// one of another version) a warning, and every rule starts armed.
pub fn load_fired(state_dir: &Path) -> (FiredState, Option<String>) {
    let path = state_dir.join(FIRED_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => match serde_json::from_slice::<FiredFile>(&bytes) {
            Ok(f) if f.version == FIRED_VERSION => (f.state, None),
            Ok(f) => (
                FiredState::default(),
                Some(format!(
                    "{}: version {} is not {FIRED_VERSION}; every alert starts armed",
                    path.display(),
                    f.version
                )),
            ),
            Err(e) => (
                FiredState::default(),
                Some(format!(
                    "{}: unreadable ({e}); every alert starts armed",
                    path.display()
                )),
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (FiredState::default(), None),
        Err(e) => (
            FiredState::default(),
            Some(format!(
                "cannot read {}: {e}; every alert starts armed",
                path.display()
            )),
        ),
    }
}

/// Writes the fired state atomically, mode 0600.
pub fn save_fired(state_dir: &Path, state: &FiredState) -> std::io::Result<()> {
    let file = FiredFile {
        version: FIRED_VERSION,
        state: state.clone(),
    };
    let json = serde_json::to_vec_pretty(&file).map_err(std::io::Error::other)?;
    write_private(state_dir, FIRED_FILE, &json)
}

/// An instant as RFC 3339 in KST, to the second.
fn kst(t: DateTime<Utc>) -> String {
    t.with_timezone(&KST)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn reading_json(r: Reading) -> Value {
    match r {
        Reading::Price(p) => json!(p.0),
        Reading::Rate(r) | Reading::RateOfChange(r) => json!(r.as_f64()),
        Reading::Ratio(x) => json!(f64::from(x) / 100.0),
        Reading::Flag(b) => json!(b),
    }
}

/// A firing as `hoga alerts --json` prints it and the command reads it on stdin:
/// `{"type":"alert","code","rule","value","threshold","time"}` (prices in won, rates in
/// percent, ratios as × the average, VI as `true` with a `null` threshold).
pub fn alert_json(f: &Firing) -> Value {
    json!({
        "type": "alert",
        "code": f.rule.code.as_str(),
        "rule": f.rule.condition.key(),
        "value": reading_json(f.value),
        "threshold": f.threshold.map_or(Value::Null, reading_json),
        "time": kst(f.at),
    })
}

/// A firing as a line for people: `2026-11-26 10:31:05 alert 005930 price_at_or_above: …`.
pub fn alert_line(f: &Firing) -> String {
    format!(
        "{} alert {}",
        f.at.with_timezone(&KST).format("%Y-%m-%d %H:%M:%S"),
        f.describe()
    )
}

/// How one action ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exited 0.
    Done,
    /// Could not be started, or exited otherwise (logged).
    Failed(String),
    /// Still running at the timeout: killed (logged). The process id, for the record.
    TimedOut { pid: Option<u32> },
}

/// Runs the actions of firings in the background.
#[derive(Clone, Debug)]
pub struct Actions {
    settings: ActionSettings,
    running: Arc<Semaphore>,
}

impl Actions {
    pub fn new(settings: ActionSettings) -> Actions {
        Actions {
            settings,
            running: Arc::new(Semaphore::new(MAX_RUNNING)),
        }
    }

    pub fn settings(&self) -> &ActionSettings {
        &self.settings
    }

    /// Starts the desktop notification and the command of `firing`, if configured, and
    /// returns at once (inside a tokio runtime; the handles say how each ended, and may be
    /// dropped). A failing or hanging command is logged, never waited for.
    pub fn fire(&self, firing: &Firing) -> Vec<JoinHandle<Outcome>> {
        let mut out = Vec::new();
        if tokio::runtime::Handle::try_current().is_err() {
            tracing::warn!("alert actions need a runtime; not run for {}", firing.id);
            return out;
        }
        let timeout = self.settings.command_timeout;
        if self.settings.desktop_notification {
            let argv = vec![
                "notify-send".to_string(),
                "hoga".to_string(),
                firing.describe(),
            ];
            let permits = self.running.clone();
            out.push(tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                let outcome = run(&argv, None, timeout).await;
                if outcome != Outcome::Done {
                    tracing::warn!("alert: desktop notification: {outcome:?}");
                }
                outcome
            }));
        }
        if !self.settings.command.is_empty() {
            let argv = self.settings.command.clone();
            let stdin = alert_json(firing).to_string() + "\n";
            let permits = self.running.clone();
            let rule = firing.rule.describe();
            out.push(tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                let outcome = run(&argv, Some(stdin), timeout).await;
                match &outcome {
                    Outcome::Done => tracing::debug!("alert command for {rule}: done"),
                    Outcome::Failed(why) => {
                        tracing::warn!("alert command {:?} for {rule}: {why}", argv[0])
                    }
                    Outcome::TimedOut { .. } => tracing::warn!(
                        "alert command {:?} for {rule}: still running after {} ms: killed",
                        argv[0],
                        timeout.as_millis()
                    ),
                }
                outcome
            }));
        }
        out
    }
}

/// Runs `argv` with `stdin` (or nothing) on its standard input, output discarded, killed at
/// `timeout`.
async fn run(argv: &[String], stdin: Option<String>, timeout: Duration) -> Outcome {
    let Some((program, args)) = argv.split_first() else {
        return Outcome::Failed("no program".into());
    };
    let mut child = match tokio::process::Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        })
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(format!("cannot start: {e}")),
    };
    let pid = child.id();
    let work = async {
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // A command that does not read its input is no failure.
            let _ = pipe.write_all(text.as_bytes()).await;
            drop(pipe);
        }
        child.wait().await
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(Ok(status)) if status.success() => Outcome::Done,
        Ok(Ok(status)) => Outcome::Failed(format!("exited with {status}")),
        Ok(Err(e)) => Outcome::Failed(format!("cannot wait for it: {e}")),
        Err(_) => {
            // `kill_on_drop` would do it too; kill and reap now so nothing lingers.
            let _ = child.kill().await;
            Outcome::TimedOut { pid }
        }
    }
}

/// Rules, fired state and actions together: what the monitor and `hoga alerts` feed every
/// quote and trade to. Firings start their actions and the fired state is saved as it changes.
#[derive(Debug)]
pub struct AlertEngine {
    evaluator: Evaluator,
    actions: Actions,
    state_dir: PathBuf,
    scratch: Vec<Firing>,
}

impl AlertEngine {
    /// The engine over `rules`, with the fired state from the state dir (warnings: a corrupt
    /// state file).
    pub fn new(
        settings: &AlertSettings,
        rules: &[Rule],
        calendar: Calendar,
    ) -> (AlertEngine, Vec<String>) {
        let (fired, warning) = load_fired(&settings.state_dir);
        let engine = AlertEngine {
            evaluator: Evaluator::new(rules, settings.tuning, calendar, &fired),
            actions: Actions::new(settings.actions.clone()),
            state_dir: settings.state_dir.clone(),
            scratch: Vec::new(),
        };
        (engine, warning.into_iter().collect())
    }

    /// Replaces the rules (after the user edits the monitor's): rules kept keep their state,
    /// new ones start armed (or fired, if the state file says so), and the averages given so
    /// far are lost (give them again).
    pub fn set_rules(&mut self, rules: &[Rule], tuning: Tuning, calendar: Calendar) {
        let mut fired = load_fired(&self.state_dir).0;
        fired.fired.extend(self.evaluator.fired_state().fired);
        fired
            .fired
            .retain(|id, _| rules.iter().any(|r| &r.id() == id));
        self.evaluator = Evaluator::new(rules, tuning, calendar, &fired);
        if let Err(e) = save_fired(&self.state_dir, &self.evaluator.fired_state()) {
            tracing::warn!(
                "cannot save the alerts' fired state in {}: {e}",
                self.state_dir.display()
            );
        }
    }

    pub fn evaluator(&self) -> &Evaluator {
        &self.evaluator
    }

    pub fn evaluator_mut(&mut self) -> &mut Evaluator {
        &mut self.evaluator
    }

    pub fn actions(&self) -> &Actions {
        &self.actions
    }

    pub fn on_quote(&mut self, q: &Quote) -> Vec<Firing> {
        self.observe(&Observation::of_quote(q))
    }

    pub fn on_trade(&mut self, t: &Trade) -> Vec<Firing> {
        self.observe(&Observation::of_trade(t))
    }

    pub fn on_vi(&mut self, code: StockCode, at: DateTime<Utc>, vi: bool) -> Vec<Firing> {
        self.observe(&Observation::of_vi(code, at, vi))
    }

    /// Evaluates, starts the actions of what fired, saves the fired state if it changed.
    pub fn observe(&mut self, obs: &Observation) -> Vec<Firing> {
        self.scratch.clear();
        let changed = self.evaluator.observe(obs, &mut self.scratch);
        for f in &self.scratch {
            drop(self.actions.fire(f));
        }
        if changed && let Err(e) = save_fired(&self.state_dir, &self.evaluator.fired_state()) {
            tracing::warn!(
                "cannot save the alerts' fired state in {}: {e}",
                self.state_dir.display()
            );
        }
        std::mem::take(&mut self.scratch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::alert::Condition;
    use crate::market::{Krw, Rate};

    fn code() -> StockCode {
        StockCode::new("005930").unwrap()
    }

    fn firing() -> Firing {
        let rule = Rule::new(code(), Condition::PriceAtOrAbove(Krw(100_000)));
        Firing {
            id: rule.id(),
            rule,
            value: Reading::Price(Krw(100_500)),
            threshold: Some(Reading::Price(Krw(100_000))),
            at: chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 26, 1, 31, 5).unwrap(),
        }
    }

    #[test]
    fn the_alert_json_has_the_documented_shape() {
        assert_eq!(
            alert_json(&firing()),
            json!({"type":"alert","code":"005930","rule":"price_at_or_above","value":100500,
                   "threshold":100000,"time":"2026-11-26T10:31:05+09:00"})
        );
        let mut f = firing();
        f.rule.condition = Condition::Vi;
        f.value = Reading::Flag(true);
        f.threshold = None;
        let v = alert_json(&f);
        assert_eq!(
            (v["rule"].as_str(), &v["value"]),
            (Some("vi"), &json!(true))
        );
        assert!(v["threshold"].is_null());
        f.value = Reading::RateOfChange(Rate(512));
        f.threshold = Some(Reading::Rate(Rate(500)));
        assert_eq!(alert_json(&f)["value"], json!(5.12));
        assert!(alert_line(&firing()).starts_with("2026-11-26 10:31:05 alert 005930"));
    }

    #[test]
    fn rules_file_round_trips_skips_bad_rules_and_merges_after_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let (none, w) = UserRules::load(dir.path());
        assert!(none.rules.is_empty() && w.is_empty());
        let a = Rule::new(code(), Condition::Vi);
        let b = Rule::new(code(), Condition::ChangeRateBelow(Rate(-500)));
        let user = UserRules { rules: vec![a, b] };
        user.save(dir.path()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(UserRules::path(dir.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (back, w) = UserRules::load(dir.path());
        assert_eq!(back, user);
        assert!(w.is_empty(), "{w:?}");
        let merged = merged(&[a], &back);
        assert_eq!(
            merged,
            vec![(a, RuleOrigin::Config), (b, RuleOrigin::Monitor)],
            "the config's rule once, as the config's"
        );
        std::fs::write(
            UserRules::path(dir.path()),
            r#"{"rules":[{"code":"005930","vi":true},{"code":"005930","vi":true,"limit_up":true}]}"#,
        )
        .unwrap();
        let (back, w) = UserRules::load(dir.path());
        assert_eq!(back.rules, vec![a]);
        assert!(w.len() == 1 && w[0].contains("rules[1].vi"), "{w:?}");
        std::fs::write(UserRules::path(dir.path()), b"{oops").unwrap();
        let (back, w) = UserRules::load(dir.path());
        assert!(back.rules.is_empty() && w.len() == 1, "{w:?}");
    }

    #[test]
    fn edited_rules_keep_the_state_of_those_kept() {
        let dir = tempfile::tempdir().unwrap();
        let settings = AlertSettings {
            rules: Vec::new(),
            tuning: Tuning::default(),
            actions: ActionSettings {
                bell: false,
                ..ActionSettings::default()
            },
            state_dir: dir.path().to_path_buf(),
        };
        let a = Rule::new(code(), Condition::PriceAtOrAbove(Krw(100)));
        let b = Rule::new(code(), Condition::PriceAtOrAbove(Krw(200)));
        let cal = Calendar::krx().clone();
        let (mut engine, _) = AlertEngine::new(&settings, &[a], cal.clone());
        let obs = |p: i64| Observation {
            code: code(),
            at: firing().at,
            price: Some(Krw(p)),
            change_rate: None,
            prev_close: None,
            volume: None,
            limits: None,
            vi: None,
        };
        assert_eq!(engine.observe(&obs(150)).len(), 1);
        engine.set_rules(&[a, b], settings.tuning, cal.clone());
        assert!(engine.evaluator().is_fired(&a.id()));
        assert!(!engine.evaluator().is_fired(&b.id()));
        let fired = engine.observe(&obs(250));
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].rule, b);
        // Deleting a rule forgets its state: added again, it starts armed.
        engine.set_rules(&[b], settings.tuning, cal.clone());
        engine.set_rules(&[a, b], settings.tuning, cal);
        assert!(!engine.evaluator().is_fired(&a.id()));
    }

    #[test]
    fn a_corrupt_fired_state_is_a_warning_and_every_rule_starts_armed() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_fired(dir.path()), (FiredState::default(), None));
        let f = firing();
        let mut state = FiredState::default();
        state.fired.insert(
            f.id.clone(),
            crate::market::alert::FiredEntry {
                code: code(),
                rule: f.rule.describe(),
                at: f.at,
            },
        );
        save_fired(dir.path(), &state).unwrap();
        assert_eq!(load_fired(dir.path()), (state, None));
        std::fs::write(dir.path().join(FIRED_FILE), b"\x00garbage").unwrap();
        let (s, w) = load_fired(dir.path());
        assert_eq!(s, FiredState::default());
        assert!(w.is_some_and(|w| w.contains(FIRED_FILE)));
    }
}
