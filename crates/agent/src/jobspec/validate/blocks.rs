//! Nomad's checks of a job's placement and failure-handling blocks, which the agent used to
//! store unchecked: `Constraint.Validate` (and `validateConstraintAttribute`,
//! `nomad/structs/constraint.go`), `RestartPolicy.Validate`, `ReschedulePolicy.Validate` and
//! `PeriodicConfig.Validate` (`nomad/structs/structs.go`, v1.11.3; the same words since 1.4
//! but for the constraint attribute, see [`NomadVersion::constraint_attribute_checked`]),
//! with the merge of a request's partial policies into the job type's defaults that
//! `api.TaskGroup.Canonicalize` (`api/tasks.go`) does before them.
//!
//! Not checked, for the Go libraries' own error text they would need: a `regexp`, `version`
//! or `semver` constraint's target (Go's `regexp`, hashicorp/go-version, Masterminds/semver),
//! a cron spec (gorhill/cronexpr) and a periodic time zone (Go's `time.LoadLocation`).

use super::given;
use crate::jobspec::{default_reschedule_policy, default_restart_policy};
use nomad_api::duration::format_go_duration as dur;
use nomad_api::{job_type, restart_mode, NomadVersion, ReschedulePolicy, RestartPolicy, TaskGroup};
use serde_json::Value;

/// `structs.RestartPolicyMinInterval`.
const RESTART_MIN_INTERVAL: i64 = 5_000_000_000;
/// `structs.ReschedulePolicyMinInterval`.
const RESCHEDULE_MIN_INTERVAL: i64 = 15_000_000_000;
/// `structs.ReschedulePolicyMinDelay`.
const RESCHEDULE_MIN_DELAY: i64 = 5_000_000_000;
/// `structs.RescheduleDelayFunctions`, as `%q` prints the array.
const DELAY_FUNCTIONS: [&str; 3] = ["constant", "exponential", "fibonacci"];
const SECOND: i64 = 1_000_000_000;

/// `api.TaskGroup.Canonicalize` for the group's policies: the restart policy is the job
/// type's default with the fields the request gave; so is the reschedule policy, which
/// system and sysbatch groups have only if the request gave one. `raw_group` is the group's
/// object in the request.
pub fn merge_policies(group: &mut TaskGroup, kind: &str, raw_group: Option<&Value>) {
    let raw = given(raw_group, "RestartPolicy");
    let mut restart = default_restart_policy(kind);
    if let (Some(given_policy), Some(raw)) = (&group.restart_policy, raw) {
        let has = |name: &str| given(Some(raw), name).is_some();
        if has("Interval") {
            restart.interval = given_policy.interval;
        }
        if has("Attempts") {
            restart.attempts = given_policy.attempts;
        }
        if has("Delay") {
            restart.delay = given_policy.delay;
        }
        if has("Mode") {
            restart.mode.clone_from(&given_policy.mode);
        }
        if has("RenderTemplates") {
            restart.render_templates = given_policy.render_templates;
        }
    }
    group.restart_policy = Some(restart);

    let system = kind == job_type::SYSTEM || kind == job_type::SYSBATCH;
    let raw = given(raw_group, "ReschedulePolicy");
    let mut reschedule = match kind {
        job_type::SERVICE | job_type::BATCH => default_reschedule_policy(kind),
        // `NewDefaultReschedulePolicy` of any other type: all zero.
        _ => ReschedulePolicy::default(),
    };
    match (&group.reschedule_policy, raw) {
        (Some(given_policy), Some(raw)) => {
            let has = |name: &str| given(Some(raw), name).is_some();
            if has("Interval") {
                reschedule.interval = given_policy.interval;
            }
            if has("Attempts") {
                reschedule.attempts = given_policy.attempts;
            }
            if has("Delay") {
                reschedule.delay = given_policy.delay;
            }
            if has("DelayFunction") {
                reschedule.delay_function.clone_from(&given_policy.delay_function);
            }
            if has("MaxDelay") {
                reschedule.max_delay = given_policy.max_delay;
            }
            if has("Unlimited") {
                reschedule.unlimited = given_policy.unlimited;
            }
            group.reschedule_policy = Some(reschedule);
        }
        _ if system => group.reschedule_policy = None,
        _ => group.reschedule_policy = Some(reschedule),
    }
}

/// `RestartPolicy.Validate`.
pub fn restart_policy_errors(policy: &RestartPolicy) -> Vec<String> {
    let mut errors = Vec::new();
    if !matches!(policy.mode.as_str(), restart_mode::DELAY | restart_mode::FAIL) {
        errors.push(format!("Unsupported restart mode: {:?}", policy.mode));
    }
    if policy.attempts == 0 && policy.mode != restart_mode::FAIL {
        errors.push(format!("Restart policy {:?} with {} attempts is ambiguous", policy.mode, policy.attempts));
    }
    if policy.interval.0 < RESTART_MIN_INTERVAL {
        errors.push(format!(
            "Interval can not be less than {} (got {})",
            dur(RESTART_MIN_INTERVAL),
            dur(policy.interval.0)
        ));
    }
    // Go multiplies durations with wrapping.
    if policy.attempts.wrapping_mul(policy.delay.0) > policy.interval.0 {
        errors.push(format!(
            "Nomad can't restart the TaskGroup {} times in an interval of {} with a delay of {}",
            policy.attempts,
            dur(policy.interval.0),
            dur(policy.delay.0)
        ));
    }
    errors
}

/// `ReschedulePolicy.Validate`: nothing when rescheduling is off.
pub fn reschedule_policy_errors(policy: &ReschedulePolicy) -> Vec<String> {
    let mut errors = Vec::new();
    if !(policy.attempts > 0 || policy.unlimited) {
        return errors;
    }
    if policy.attempts > 0 {
        if policy.interval.0 <= 0 {
            errors.push("Interval must be a non zero value if Attempts > 0".to_string());
        }
        if policy.unlimited {
            errors.push(format!(
                "Reschedule Policy with Attempts = {}, Interval = {}, and Unlimited = {} is ambiguous",
                policy.attempts,
                dur(policy.interval.0),
                policy.unlimited
            ));
            errors.push("If Attempts >0, Unlimited cannot also be set to true".to_string());
        }
    }
    let mut delay_checked = true;
    if policy.delay.0 < RESCHEDULE_MIN_DELAY {
        errors.push(format!("Delay cannot be less than {} (got {})", dur(RESCHEDULE_MIN_DELAY), dur(policy.delay.0)));
        delay_checked = false;
    }
    if !DELAY_FUNCTIONS.contains(&policy.delay_function.as_str()) {
        let functions: Vec<String> = DELAY_FUNCTIONS.iter().map(|f| format!("{f:?}")).collect();
        errors.push(format!(
            "Invalid delay function {:?}, must be one of [{}]",
            policy.delay_function,
            functions.join(" ")
        ));
        delay_checked = false;
    }
    if policy.delay_function != "constant" {
        if policy.max_delay.0 < RESCHEDULE_MIN_DELAY {
            // Nomad prints the delay, not the ceiling, as what it got.
            errors.push(format!(
                "Max Delay cannot be less than {} (got {})",
                dur(RESCHEDULE_MIN_DELAY),
                dur(policy.delay.0)
            ));
            delay_checked = false;
        }
        if policy.max_delay.0 < policy.delay.0 {
            errors.push(format!(
                "Max Delay cannot be less than Delay {} (got {})",
                dur(policy.delay.0),
                dur(policy.max_delay.0)
            ));
            delay_checked = false;
        }
    }
    if !policy.unlimited {
        if policy.interval.0 < RESCHEDULE_MIN_INTERVAL {
            errors.push(format!(
                "Interval cannot be less than {} (got {})",
                dur(RESCHEDULE_MIN_INTERVAL),
                dur(policy.interval.0)
            ));
        }
        if delay_checked {
            errors.extend(delay_param_errors(policy));
        }
    }
    errors
}

/// `validateDelayParams`: whether the attempts fit in the interval.
fn delay_param_errors(policy: &ReschedulePolicy) -> Vec<String> {
    let (viable, possible, recommended) = viable_attempts(policy);
    if viable {
        return Vec::new();
    }
    let (interval, delay) = (dur(policy.interval.0), dur(policy.delay.0));
    let first = if policy.delay_function == "constant" {
        format!(
            "Nomad can only make {possible} attempts in {interval} with initial delay {delay} and delay function {:?}",
            policy.delay_function
        )
    } else {
        format!(
            "Nomad can only make {possible} attempts in {interval} with initial delay {delay}, delay function {:?}, and delay ceiling {}",
            policy.delay_function,
            dur(policy.max_delay.0)
        )
    };
    // `Duration.Round(time.Second)`: halves away from zero.
    let rounded = recommended.saturating_add(SECOND / 2) / SECOND * SECOND;
    vec![first, format!("Set the interval to at least {} to accommodate {} attempts", dur(rounded), policy.attempts)]
}

/// `viableAttempts`: whether the attempts fit, how many do, and the interval they need.
fn viable_attempts(policy: &ReschedulePolicy) -> (bool, i64, i64) {
    let (attempts, interval, delay, max_delay) =
        (policy.attempts, policy.interval.0, policy.delay.0, policy.max_delay.0);
    let mut possible = 0;
    let mut recommended: i64 = 0;
    let mut viable = true;
    match policy.delay_function.as_str() {
        "constant" => {
            recommended = attempts.wrapping_mul(delay);
            if interval < recommended {
                possible = if delay == 0 { 0 } else { interval / delay };
                viable = false;
            }
        }
        "exponential" => {
            for i in 0..attempts {
                let next = (2f64.powi(i32::try_from(i).unwrap_or(i32::MAX)) as i64).wrapping_mul(delay);
                if next > max_delay {
                    recommended = recommended.wrapping_add(max_delay);
                } else {
                    recommended = next;
                }
                if recommended < interval {
                    possible += 1;
                }
            }
            viable = possible >= attempts;
        }
        "fibonacci" => {
            let mut slots = vec![delay, delay];
            let mut ceiling = false;
            for i in 2..attempts.max(2) as usize {
                let next = if ceiling {
                    slots[i - 1].wrapping_add(max_delay)
                } else {
                    let sum = slots[i - 1].wrapping_add(slots[i - 2]);
                    if sum > max_delay {
                        ceiling = true;
                        max_delay
                    } else {
                        sum
                    }
                };
                slots.push(next);
            }
            recommended = slots[slots.len() - 1];
            if interval < recommended {
                viable = false;
                if let Some(i) = slots.iter().position(|s| *s > interval) {
                    possible = i as i64;
                }
            }
        }
        _ => {}
    }
    (viable, possible, recommended)
}

/// `validConstraintExactTargets`.
const EXACT_TARGETS: [&str; 5] =
    ["${node.unique.id}", "${node.datacenter}", "${node.unique.name}", "${node.class}", "${node.pool}"];
/// `validConstraintPrefixTargets`.
const PREFIX_TARGETS: [&str; 3] = ["${attr.", "${device.", "${meta."];

/// `validateConstraintAttribute`: a literal, or an interpolation the scheduler can resolve.
fn attribute_error(target: &str) -> Option<String> {
    if !target.starts_with('$') {
        return None;
    }
    if !target.starts_with("${") {
        return Some(format!("attribute {target:?} is missing an opening brace"));
    }
    if !target.ends_with('}') {
        return Some(format!("attribute {target:?} is missing a closing brace"));
    }
    if EXACT_TARGETS.contains(&target) || PREFIX_TARGETS.iter().any(|p| target.starts_with(p)) {
        return None;
    }
    Some(format!("unsupported attribute {target:?}"))
}

fn text<'a>(object: &'a Value, name: &str) -> &'a str {
    given(Some(object), name).and_then(Value::as_str).unwrap_or_default()
}

/// `Constraint.Validate` of a constraint as the request gave it (`LTarget`, `RTarget`,
/// `Operand`).
pub fn constraint_errors(constraint: &Value, version: NomadVersion) -> Vec<String> {
    let (l_target, r_target, operand) =
        (text(constraint, "LTarget"), text(constraint, "RTarget"), text(constraint, "Operand"));
    let mut errors = Vec::new();
    if operand.is_empty() {
        errors.push("Missing constraint operand".to_string());
    }
    let mut needs_l_target = true;
    match operand {
        "distinct_hosts" => needs_l_target = false,
        "set_contains_all" | "set_contains_any" | "set_contains" => {
            if r_target.is_empty() {
                errors.push("Set contains constraint requires an RTarget".to_string());
            }
        }
        // Checked by Go libraries whose error text this agent does not reproduce.
        "regexp" | "version" | "semver" => {}
        "distinct_property" => {
            if !r_target.is_empty() {
                match r_target.parse::<u64>() {
                    Err(_) => errors.push(format!(
                        "Failed to convert RTarget {r_target:?} to uint64: {}",
                        parse_uint_error(r_target)
                    )),
                    Ok(0) => {
                        errors.push("Distinct Property must have an allowed count of 1 or greater: 0 < 1".to_string())
                    }
                    Ok(_) => {}
                }
            }
        }
        "is_set" | "is_not_set" => {
            if !r_target.is_empty() {
                errors.push(format!("Operator {operand:?} does not support an RTarget"));
            }
        }
        "=" | "==" | "is" | "!=" | "not" | "<" | "<=" | ">" | ">=" => {
            if r_target.is_empty() {
                errors.push(format!("Operator {operand:?} requires an RTarget"));
            }
        }
        _ => errors.push(format!("Unknown constraint type {operand:?}")),
    }
    if needs_l_target {
        if !version.constraint_attribute_checked() {
            if l_target.is_empty() {
                errors.push("No LTarget provided but is required by constraint".to_string());
            }
        } else if l_target.is_empty() {
            errors.push("no attribute provided but is required by operator".to_string());
        } else if let Some(error) = attribute_error(l_target) {
            errors.push(error);
        }
    }
    errors
}

/// `Affinity.Validate` of an affinity as `api.Affinity.Canonicalize` leaves it (`Weight` 50
/// unless given).
pub fn affinity_errors(affinity: &Value) -> Vec<String> {
    let (l_target, r_target, operand) =
        (text(affinity, "LTarget"), text(affinity, "RTarget"), text(affinity, "Operand"));
    let weight = given(Some(affinity), "Weight").and_then(Value::as_i64).unwrap_or(50);
    let mut errors = Vec::new();
    if operand.is_empty() {
        errors.push("Missing affinity operand".to_string());
    }
    match operand {
        "set_contains_all" | "set_contains_any" | "set_contains" => {
            if r_target.is_empty() {
                errors.push("Set contains operators require an RTarget".to_string());
            }
        }
        // Checked by Go libraries whose error text this agent does not reproduce.
        "regexp" | "version" | "semver" => {}
        "=" | "==" | "is" | "!=" | "not" | "<" | "<=" | ">" | ">=" => {
            if r_target.is_empty() {
                errors.push(format!("Operator {operand:?} requires an RTarget"));
            }
        }
        _ => errors.push(format!("Unknown affinity operator {operand:?}")),
    }
    if l_target.is_empty() {
        errors.push("No LTarget provided but is required".to_string());
    }
    if weight == 0 {
        errors.push("Affinity weight cannot be zero".to_string());
    }
    if !(-100..=100).contains(&weight) {
        errors.push("Affinity weight must be within the range [-100,100]".to_string());
    }
    errors
}

/// `Spread.Validate` of a spread as `api.Spread.Canonicalize` leaves it (`Weight` 50 unless
/// given).
pub fn spread_errors(spread: &Value, version: NomadVersion) -> Vec<String> {
    let weight = given(Some(spread), "Weight").and_then(Value::as_i64).unwrap_or(50);
    let mut errors = Vec::new();
    if text(spread, "Attribute").is_empty() {
        errors.push("Missing spread attribute".to_string());
    }
    if weight <= 0 || weight > 100 {
        let block = if version.validation_says_block() { "block" } else { "stanza" };
        errors.push(format!("Spread {block} must have a positive weight from 0 to 100"));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut sum: u64 = 0;
    let targets = given(Some(spread), "SpreadTarget").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    for target in targets {
        let value = text(target, "Value");
        if !seen.insert(value) {
            errors.push(format!("Spread target value {value:?} already defined"));
        }
        let percent = given(Some(target), "Percent").and_then(Value::as_u64).unwrap_or(0);
        if percent > 100 {
            errors.push(format!("Spread target percentage for value {value:?} must be between 0 and 100"));
        }
        sum += percent;
    }
    if sum > 100 {
        errors.push(format!("Sum of spread target percentages must not be greater than 100%; got {sum}%"));
    }
    errors
}

/// Each block's errors as one point of its parent's list, `<Kind> <n> validation failed:
/// <list>`, numbered from 1.
pub fn numbered(kind: &str, blocks: &[Value], check: impl Fn(&Value) -> Vec<String>) -> Vec<String> {
    let point = |(idx, block): (usize, &Value)| {
        let errors = check(block);
        (!errors.is_empty())
            .then(|| format!("{kind} {} validation failed: {}", idx + 1, nomad_api::multierror::format(&errors)))
    };
    blocks.iter().enumerate().filter_map(point).collect()
}

/// Go's `strconv.ParseUint(s, 10, 64)` error text.
fn parse_uint_error(text: &str) -> String {
    let all_digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let why = if all_digits { "value out of range" } else { "invalid syntax" };
    format!("strconv.ParseUint: parsing {text:?}: {why}")
}

/// `PeriodicConfig.Validate` of the periodic block as `api.PeriodicConfig.Canonicalize`
/// leaves it (`Enabled` true and `SpecType` `cron` unless given). Nothing when disabled.
/// Before 1.7.0 there is no `Specs`, and an empty spec also fails cronexpr's parse, whose
/// error is not reproduced.
pub fn periodic_errors(periodic: &Value, version: NomadVersion) -> Vec<String> {
    if given(Some(periodic), "Enabled").and_then(Value::as_bool) == Some(false) {
        return Vec::new();
    }
    let spec = text(periodic, "Spec");
    let specs = match version.periodic_specs() {
        true => given(Some(periodic), "Specs").and_then(Value::as_array).map_or(0, Vec::len),
        false => 0,
    };
    let mut errors = Vec::new();
    if !spec.is_empty() && specs != 0 {
        errors.push("Only cron or crons may be used".to_string());
    }
    if spec.is_empty() && specs == 0 {
        errors.push("Must specify a spec".to_string());
    }
    match given(Some(periodic), "SpecType").and_then(Value::as_str).unwrap_or("cron") {
        "cron" | "test" => {}
        other => errors.push(format!("Unknown periodic specification type {other:?}")),
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use nomad_api::duration::GoDuration;
    use serde_json::json;

    fn secs(s: i64) -> GoDuration {
        GoDuration(s * SECOND)
    }

    const LATEST: NomadVersion = NomadVersion::LATEST;

    #[test]
    fn restart_policies() {
        let ok = default_restart_policy("service");
        assert!(restart_policy_errors(&ok).is_empty());
        let bad = RestartPolicy {
            attempts: 0,
            interval: GoDuration(1_000_000_000),
            delay: secs(15),
            mode: "nope".into(),
            render_templates: false,
        };
        assert_eq!(
            restart_policy_errors(&bad),
            [
                r#"Unsupported restart mode: "nope""#,
                r#"Restart policy "nope" with 0 attempts is ambiguous"#,
                "Interval can not be less than 5s (got 1s)"
            ]
        );
        let tight = RestartPolicy { attempts: 3, interval: secs(30), delay: secs(15), ..ok };
        assert_eq!(
            restart_policy_errors(&tight),
            ["Nomad can't restart the TaskGroup 3 times in an interval of 30s with a delay of 15s"]
        );
    }

    #[test]
    fn reschedule_policies() {
        assert!(reschedule_policy_errors(&default_reschedule_policy("service")).is_empty());
        assert!(reschedule_policy_errors(&default_reschedule_policy("batch")).is_empty());
        assert!(reschedule_policy_errors(&ReschedulePolicy::default()).is_empty(), "off: not checked");
        let both = ReschedulePolicy { attempts: 2, unlimited: true, ..default_reschedule_policy("service") };
        assert_eq!(
            reschedule_policy_errors(&both),
            [
                "Interval must be a non zero value if Attempts > 0",
                "Reschedule Policy with Attempts = 2, Interval = 0s, and Unlimited = true is ambiguous",
                "If Attempts >0, Unlimited cannot also be set to true",
            ]
        );
        let bad = ReschedulePolicy {
            attempts: 1,
            interval: secs(10),
            delay: secs(1),
            delay_function: "linear".into(),
            ..Default::default()
        };
        assert_eq!(
            reschedule_policy_errors(&bad),
            [
                "Delay cannot be less than 5s (got 1s)",
                r#"Invalid delay function "linear", must be one of ["constant" "exponential" "fibonacci"]"#,
                "Max Delay cannot be less than 5s (got 1s)",
                "Max Delay cannot be less than Delay 1s (got 0s)",
                "Interval cannot be less than 15s (got 10s)",
            ]
        );
        let constant = ReschedulePolicy {
            attempts: 5,
            interval: secs(60),
            delay: secs(30),
            delay_function: "constant".into(),
            ..Default::default()
        };
        assert_eq!(
            reschedule_policy_errors(&constant),
            [
                r#"Nomad can only make 2 attempts in 1m0s with initial delay 30s and delay function "constant""#,
                "Set the interval to at least 2m30s to accommodate 5 attempts",
            ]
        );
        let exponential =
            ReschedulePolicy { delay_function: "exponential".into(), max_delay: secs(3600), ..constant.clone() };
        assert_eq!(
            reschedule_policy_errors(&exponential),
            [
                r#"Nomad can only make 1 attempts in 1m0s with initial delay 30s, delay function "exponential", and delay ceiling 1h0m0s"#,
                "Set the interval to at least 8m0s to accommodate 5 attempts",
            ]
        );
        let fibonacci = ReschedulePolicy { delay_function: "fibonacci".into(), max_delay: secs(3600), ..constant };
        assert_eq!(
            reschedule_policy_errors(&fibonacci),
            [
                r#"Nomad can only make 3 attempts in 1m0s with initial delay 30s, delay function "fibonacci", and delay ceiling 1h0m0s"#,
                "Set the interval to at least 2m30s to accommodate 5 attempts",
            ]
        );
    }

    #[test]
    fn constraints() {
        let c = |l: &str, r: &str, op: &str| json!({"LTarget": l, "RTarget": r, "Operand": op});
        assert!(constraint_errors(&c("${attr.kernel.name}", "linux", "="), LATEST).is_empty());
        assert!(constraint_errors(&c("", "", "distinct_hosts"), LATEST).is_empty());
        assert_eq!(
            constraint_errors(&c("", "", ""), LATEST),
            [
                "Missing constraint operand",
                r#"Unknown constraint type """#,
                "no attribute provided but is required by operator"
            ]
        );
        let old: NomadVersion = "1.11.1".parse().unwrap();
        assert_eq!(constraint_errors(&c("", "x", "="), old), ["No LTarget provided but is required by constraint"]);
        assert!(constraint_errors(&c("${nope}", "x", "="), old).is_empty());
        assert_eq!(constraint_errors(&c("${nope}", "x", "="), LATEST), [r#"unsupported attribute "${nope}""#]);
        assert_eq!(
            constraint_errors(&c("$attr", "x", "="), LATEST),
            [r#"attribute "$attr" is missing an opening brace"#]
        );
        assert_eq!(
            constraint_errors(&c("${attr.x", "x", "="), LATEST),
            [r#"attribute "${attr.x" is missing a closing brace"#]
        );
        assert_eq!(constraint_errors(&c("a", "", "<"), LATEST), [r#"Operator "<" requires an RTarget"#]);
        assert_eq!(
            constraint_errors(&c("a", "", "set_contains"), LATEST),
            ["Set contains constraint requires an RTarget"]
        );
        assert_eq!(
            constraint_errors(&c("a", "x", "is_set"), LATEST),
            [r#"Operator "is_set" does not support an RTarget"#]
        );
        assert_eq!(
            constraint_errors(&c("a", "two", "distinct_property"), LATEST),
            [r#"Failed to convert RTarget "two" to uint64: strconv.ParseUint: parsing "two": invalid syntax"#]
        );
        assert_eq!(
            constraint_errors(&c("a", "0", "distinct_property"), LATEST),
            ["Distinct Property must have an allowed count of 1 or greater: 0 < 1"]
        );
    }

    #[test]
    fn affinities_and_spreads() {
        assert!(affinity_errors(&json!({"LTarget": "${node.class}", "RTarget": "x", "Operand": "="})).is_empty());
        assert_eq!(
            affinity_errors(&json!({"Weight": 0})),
            [
                "Missing affinity operand",
                r#"Unknown affinity operator """#,
                "No LTarget provided but is required",
                "Affinity weight cannot be zero"
            ]
        );
        assert_eq!(
            affinity_errors(&json!({"LTarget": "a", "Operand": "set_contains", "Weight": 101})),
            ["Set contains operators require an RTarget", "Affinity weight must be within the range [-100,100]"]
        );
        assert!(spread_errors(&json!({"Attribute": "${node.datacenter}"}), LATEST).is_empty());
        let targets = json!([{"Value": "a", "Percent": 70}, {"Value": "a", "Percent": 101}]);
        assert_eq!(
            spread_errors(&json!({"Weight": 0, "SpreadTarget": targets.clone()}), LATEST),
            [
                "Missing spread attribute",
                "Spread block must have a positive weight from 0 to 100",
                r#"Spread target value "a" already defined"#,
                r#"Spread target percentage for value "a" must be between 0 and 100"#,
                "Sum of spread target percentages must not be greater than 100%; got 171%",
            ]
        );
        let old: NomadVersion = "1.4.14".parse().unwrap();
        assert_eq!(
            spread_errors(&json!({"Attribute": "a", "Weight": 0}), old),
            ["Spread stanza must have a positive weight from 0 to 100"]
        );
    }

    #[test]
    fn periodic_configs() {
        assert!(periodic_errors(&json!({"Spec": "*/5 * * * *"}), LATEST).is_empty());
        assert!(periodic_errors(&json!({"Enabled": false}), LATEST).is_empty());
        assert_eq!(periodic_errors(&json!({}), LATEST), ["Must specify a spec"]);
        assert!(periodic_errors(&json!({"Specs": ["y"]}), LATEST).is_empty());
        assert_eq!(periodic_errors(&json!({"Spec": "x", "Specs": ["y"]}), LATEST), ["Only cron or crons may be used"]);
        let v1_6: NomadVersion = "1.6.0".parse().unwrap();
        assert!(periodic_errors(&json!({"Spec": "x", "Specs": ["y"]}), v1_6).is_empty());
        assert_eq!(periodic_errors(&json!({"Specs": ["y"]}), v1_6), ["Must specify a spec"]);
        assert_eq!(
            periodic_errors(&json!({"Spec": "x", "SpecType": "weekly"}), LATEST),
            [r#"Unknown periodic specification type "weekly""#]
        );
    }

    /// `api.TaskGroup.Canonicalize`: what the request gave, over the type's defaults.
    #[test]
    fn partial_policies_are_merged_into_the_defaults() {
        let mut group = TaskGroup {
            restart_policy: Some(RestartPolicy { attempts: 7, ..Default::default() }),
            reschedule_policy: Some(ReschedulePolicy { delay: secs(60), ..Default::default() }),
            ..TaskGroup::default()
        };
        let raw = json!({"RestartPolicy": {"Attempts": 7}, "ReschedulePolicy": {"Delay": 60_000_000_000i64}});
        merge_policies(&mut group, "service", Some(&raw));
        assert_eq!(group.restart_policy, Some(RestartPolicy { attempts: 7, ..default_restart_policy("service") }));
        assert_eq!(
            group.reschedule_policy,
            Some(ReschedulePolicy { delay: secs(60), ..default_reschedule_policy("service") })
        );
        let mut group = TaskGroup::default();
        merge_policies(&mut group, "system", Some(&json!({})));
        assert_eq!((group.restart_policy.is_some(), group.reschedule_policy), (true, None));
    }
}
