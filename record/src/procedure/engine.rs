//! The procedure engine: derives an expediente's state from its step log.
//!
//! Nothing about progress is stored except the log itself (append-only, merged by the
//! CRDT). The engine walks the procedure from its start, consuming the log's effective
//! entries for each (step, visit) pair, and stops at the first step with no entry — the
//! current step — or at an end. Because the walk is a pure function of the merged log,
//! every device that holds the same document computes the same state.
//!
//! Two devices answering one decision differently leave two effective entries for the
//! same (step, visit): the walk stops there and reports a [`Conflict`] naming who answered
//! what, until an entry that supersedes both resolves it. Entries recorded on a branch
//! that is no longer on the path stay in the log and are reported as off-path.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{DocumentKind, Procedure, Step, StepKind};
use crate::error::{Error, Result};
use crate::messages::Message;
use crate::model::{Expediente, LogEntry, Stamp};
use crate::msg;
use crate::time;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Visit {
    pub step: String,
    pub round: u32,
    pub answer: Option<String>,
    pub entries: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictOption {
    pub entry: String,
    pub answer: String,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conflict {
    pub step: String,
    pub round: u32,
    pub options: Vec<ConflictOption>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Waiting {
    pub step: String,
    pub reason: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub since: i64,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub deadline: Option<i64>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EscalationState {
    /// The time it counts from is not recorded yet.
    NotStarted,
    Pending,
    Overdue,
    Done,
    /// The path moved past it (solved, or the next escalation began).
    Stopped,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EscalationStatus {
    pub id: String,
    pub action: String,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub due_at: Option<i64>,
    pub state: EscalationState,
}

/// Everything the UI and the CLI show about where a job stands.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Status {
    /// `en-curso`, `en-espera`, `conflicto`, `terminado`.
    pub state: &'static str,
    pub current: Option<String>,
    pub current_round: u32,
    pub path: Vec<Visit>,
    pub conflicts: Vec<Conflict>,
    pub off_path: Vec<String>,
    pub waiting: Option<Waiting>,
    /// Evidence the current step still needs before it can be recorded.
    pub missing: Vec<String>,
    pub answers: Vec<(String, String)>,
    pub documents_to_produce: Vec<DocumentKind>,
    pub escalations: Vec<EscalationStatus>,
    /// Set when the job ended on a step that continues as another procedure (P5 → P3).
    pub continues: Option<String>,
}

impl Status {
    pub fn overdue(&self) -> bool {
        self.escalations.iter().any(|e| e.state == EscalationState::Overdue)
            || self
                .waiting
                .as_ref()
                .and_then(|w| w.deadline)
                .is_some_and(|d| d < time::now_ms())
    }

    /// The earliest pending deadline, for sorting and the index.
    pub fn next_deadline(&self) -> Option<i64> {
        self.escalations
            .iter()
            .filter(|e| matches!(e.state, EscalationState::Pending | EscalationState::Overdue))
            .filter_map(|e| e.due_at)
            .chain(self.waiting.as_ref().and_then(|w| w.deadline))
            .min()
    }
}

/// Entries that no later entry supersedes.
fn effective(log: &[LogEntry]) -> Vec<&LogEntry> {
    let superseded: HashSet<&str> = log
        .iter()
        .flat_map(|e| e.supersedes.iter().map(String::as_str))
        .collect();
    log.iter().filter(|e| !superseded.contains(e.id.as_str())).collect()
}

/// Derive the state of `exp` at time `now`.
pub fn status(proc: &Procedure, exp: &Expediente, now: DateTime<Utc>) -> Status {
    let eff = effective(&exp.log);
    let mut by_visit: HashMap<(&str, u32), Vec<&LogEntry>> = HashMap::new();
    for e in &eff {
        by_visit.entry((e.step.as_str(), e.round)).or_default().push(e);
    }
    let mut visits: HashMap<&str, u32> = HashMap::new();
    let mut path = Vec::new();
    let mut conflicts = Vec::new();
    let mut pos: &str = &proc.start;
    let mut last_time = exp.created_at;
    let mut current = None;
    let mut current_round = 1;
    let mut ended = false;
    let mut continues = None;
    // Bounded: each iteration consumes at least one log entry, or stops.
    for _ in 0..=eff.len() + 1 {
        let Some(step) = proc.step(pos) else { break };
        let round = visits.get(pos).copied().unwrap_or(0) + 1;
        if step.kind == StepKind::End {
            ended = true;
            break;
        }
        let entries = by_visit.get(&(pos, round)).cloned().unwrap_or_default();
        if entries.is_empty() {
            current = Some(pos.to_owned());
            current_round = round;
            break;
        }
        visits.insert(pos, round);
        last_time = entries
            .iter()
            .map(|e| e.stamp.at)
            .max()
            .unwrap_or(last_time)
            .max(last_time);
        let mut answer = None;
        let next = if step.kind == StepKind::Decision {
            let mut distinct: Vec<&str> = entries.iter().filter_map(|e| e.answer.as_deref()).collect();
            distinct.sort_unstable();
            distinct.dedup();
            let chosen = match distinct.as_slice() {
                [one] => step.answers.iter().find(|a| a.value == *one),
                _ => None,
            };
            match chosen {
                Some(a) => {
                    answer = Some(a.value.clone());
                    Some(a.next.as_str())
                }
                None => {
                    let mut options: Vec<_> = entries
                        .iter()
                        .map(|e| ConflictOption {
                            entry: e.id.clone(),
                            answer: e.answer.clone().unwrap_or_default(),
                            stamp: e.stamp.clone(),
                        })
                        .collect();
                    options.sort_by(|a, b| (a.stamp.at, &a.entry).cmp(&(b.stamp.at, &b.entry)));
                    conflicts.push(Conflict {
                        step: pos.to_owned(),
                        round,
                        options,
                    });
                    None
                }
            }
        } else {
            step.next.as_deref()
        };
        path.push(Visit {
            step: pos.to_owned(),
            round,
            answer,
            entries: entries.iter().map(|e| e.id.clone()).collect(),
        });
        if step.continues.is_some() {
            continues = step.continues.clone();
        }
        match next {
            Some(n) => pos = n,
            None => {
                // Blocked by a conflict: the step stays current until resolved.
                current = Some(pos.to_owned());
                current_round = round;
                break;
            }
        }
    }

    let on_path: HashSet<&str> = path.iter().flat_map(|v| v.entries.iter().map(String::as_str)).collect();
    let off_path = eff
        .iter()
        .filter(|e| !on_path.contains(e.id.as_str()))
        .map(|e| e.id.clone())
        .collect();

    let cur_step = current.as_deref().and_then(|c| proc.step(c));
    let waiting = cur_step.and_then(|s| {
        s.wait.as_ref().map(|w| Waiting {
            step: s.id.clone(),
            reason: w.reason.clone(),
            since: last_time,
            deadline: w.deadline_hours.map(|h| last_time + i64::from(h) * 3_600_000),
        })
    });
    let missing = cur_step
        .map(|s| missing_evidence(proc, s, exp).iter().map(ToString::to_string).collect())
        .unwrap_or_default();
    let answers = cur_step
        .map(|s| s.answers.iter().map(|a| (a.value.clone(), a.label.clone())).collect())
        .unwrap_or_default();
    let documents_to_produce = cur_step.map(|s| s.produces.clone()).unwrap_or_default();

    let reached: HashSet<&str> = path.iter().map(|v| v.step.as_str()).chain(current.as_deref()).collect();
    let escalations = proc
        .escalations
        .iter()
        .map(|esc| {
            let from = exp
                .fields
                .get(&esc.from)
                .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
                .map(|d| d.with_timezone(&Utc));
            let due = from.map(|f| f + Duration::hours(i64::from(esc.hours)));
            let state = if ended || esc.stop_at.iter().any(|s| reached.contains(s.as_str())) {
                EscalationState::Stopped
            } else if esc.done_field.as_ref().is_some_and(|f| exp.field(f).is_some()) {
                EscalationState::Done
            } else {
                match due {
                    None => EscalationState::NotStarted,
                    Some(d) if now > d => EscalationState::Overdue,
                    Some(_) => EscalationState::Pending,
                }
            };
            EscalationStatus {
                id: esc.id.clone(),
                action: esc.action.clone(),
                due_at: due.map(|d| d.timestamp_millis()),
                state,
            }
        })
        .collect();

    let state = if ended {
        "terminado"
    } else if !conflicts.is_empty() {
        "conflicto"
    } else if waiting.is_some() {
        "en-espera"
    } else {
        "en-curso"
    };
    Status {
        state,
        current,
        current_round,
        path,
        conflicts,
        off_path,
        waiting,
        missing,
        answers,
        documents_to_produce,
        escalations,
        continues: if ended { continues } else { None },
    }
}

/// What the step still needs, in words a technician understands (no internal ids: a
/// field by its label, a signature by who signs).
pub fn missing_evidence(proc: &Procedure, step: &Step, exp: &Expediente) -> Vec<Message> {
    let mut out = Vec::new();
    let r = &step.requires;
    for f in &r.fields {
        if exp.field(f).is_none() {
            out.push(msg!("missing.field", label = proc.field_label(f)));
        }
    }
    let photos = exp
        .photos
        .iter()
        .filter(|p| p.step.as_deref() == Some(&step.id))
        .count();
    if (photos as u32) < r.photos {
        out.push(msg!(
            "missing.photos",
            count = r.photos - photos as u32,
            step = &step.id
        ));
    }
    for role in &r.signatures {
        let signed = exp
            .signatures
            .iter()
            .any(|s| &s.role == role && s.step.as_deref() == Some(&step.id));
        if !signed {
            out.push(msg!("missing.signature", role = super::role_name(role)));
        }
    }
    if r.materials && exp.materials.is_empty() {
        out.push(msg!("missing.materials"));
    }
    if r.equipment && exp.equipment.is_empty() {
        out.push(msg!("missing.equipment"));
    }
    if r.parts && exp.parts.is_empty() {
        out.push(msg!("missing.parts"));
    }
    out
}

/// Check that `step` may be recorded now with `answer`, and return its visit number.
/// This is where "no installing before viability is decided" is enforced.
pub fn check_record(
    proc: &Procedure,
    exp: &Expediente,
    step_id: &str,
    answer: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u32> {
    let step = proc.known_step(step_id)?;
    let st = status(proc, exp, now);
    if let Some(c) = st.conflicts.first() {
        return Err(Error::IllegalTransition {
            step: step_id.to_owned(),
            why: msg!("step.conflict_first", conflict = &c.step),
        });
    }
    let Some(current) = st.current.as_deref() else {
        return Err(Error::IllegalTransition {
            step: step_id.to_owned(),
            why: msg!("step.ended"),
        });
    };
    if current != step_id {
        let done = st.path.iter().any(|v| v.step == step_id);
        let title = proc.step(current).map(|s| s.title.as_str()).unwrap_or("");
        let why = if done {
            msg!("step.already_recorded", current = current, title = title)
        } else {
            msg!("step.not_current", current = current, title = title)
        };
        return Err(Error::IllegalTransition {
            step: step_id.to_owned(),
            why,
        });
    }
    match (step.kind, answer) {
        (StepKind::Decision, None) => {
            return Err(Error::InvalidAnswer {
                step: step_id.to_owned(),
                answer: String::new(),
                allowed: allowed(step),
            });
        }
        (StepKind::Decision, Some(a)) if !step.answers.iter().any(|x| x.value == a) => {
            return Err(Error::InvalidAnswer {
                step: step_id.to_owned(),
                answer: a.to_owned(),
                allowed: allowed(step),
            });
        }
        (k, Some(_)) if k != StepKind::Decision => {
            return Err(Error::IllegalTransition {
                step: step_id.to_owned(),
                why: msg!("step.not_decision"),
            });
        }
        _ => {}
    }
    let missing = missing_evidence(proc, step, exp);
    if !missing.is_empty() {
        return Err(Error::MissingEvidence {
            step: step_id.to_owned(),
            missing,
        });
    }
    Ok(st.current_round)
}

/// The answers of a decision as people see them: «Sí, es viable», «No es viable».
fn allowed(step: &Step) -> String {
    step.answers
        .iter()
        .map(|a| format!("«{}»", a.label))
        .collect::<Vec<_>>()
        .join(", ")
}
