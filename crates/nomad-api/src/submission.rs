//! Job submissions (Nomad 1.6+): the source a job was written in, sent with its registration
//! (`api.JobRegisterRequest.Submission`) and kept by the servers per job version, so that the
//! UI can show and edit the HCL a job came from (`GET /v1/job/:id/submission?version=N`).
//! The struct, the size rule that discards a source too large, and the warning it gives, as
//! `nomad/structs/structs.go` `JobSubmission`, `nomad/job_endpoint_hooks.go`
//! `submissionController` and `helper/warning.go` have them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `structs.JobSubmission` as the servers keep and serve it. A request's
/// `api.JobSubmission` has only the first four fields; the other four are set by the state
/// store (`updateJobSubmission`), whatever the request said.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobSubmission {
    /// The job's original definition, as written (HCL or JSON text).
    pub source: String,
    /// `hcl1`, `hcl2` or `json`; Nomad keeps whatever it is sent.
    pub format: String,
    /// The `-var` flags; `null` when none (`api.JobSubmission.Canonicalize` drops an empty map).
    pub variable_flags: Option<BTreeMap<String, String>>,
    /// The variables file content sent with the job (from the web UI or `-var-file`), kept opaque;
    /// HCL2 only.
    pub variables: String,
    /// Set by the servers: the namespace of the job the source belongs to.
    pub namespace: String,
    /// `JobID`, set by the servers: the job the source belongs to.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// Set by the servers: the job version this source registered.
    pub version: u64,
    /// Set by the servers: the `JobModifyIndex` of that job version.
    pub job_modify_index: u64,
}

/// `job_max_source_size`'s default, `"1M"` read by go-humanize's `ParseBytes` (SI: 10^6
/// bytes; `command/agent/agent.go` `convertServerConfig`).
pub const JOB_MAX_SOURCE_SIZE: usize = 1_000_000;

impl JobSubmission {
    /// The part of a request's submission the servers keep (`apiJobSubmissionToStructs`),
    /// with an empty `VariableFlags` made `null` (`api.JobSubmission.Canonicalize`).
    pub fn from_request(sent: &JobSubmission) -> JobSubmission {
        JobSubmission {
            source: sent.source.clone(),
            format: sent.format.clone(),
            variable_flags: sent.variable_flags.clone().filter(|flags| !flags.is_empty()),
            variables: sent.variables.clone(),
            ..JobSubmission::default()
        }
    }

    /// The size `submissionController` weighs: source, variables, and each flag's name and
    /// value. From 1.10.0 the values are weighed as the HTTP agent passes them on,
    /// query-escaped (`api.JobSubmission.Canonicalize`, hashicorp/nomad#24423).
    pub fn weighed_size(&self, flags_escaped: bool) -> usize {
        let flags = self
            .variable_flags
            .iter()
            .flatten()
            .map(|(name, value)| name.len() + if flags_escaped { query_escape(value).len() } else { value.len() });
        self.source.len() + self.variables.len() + flags.sum::<usize>()
    }

    /// `submissionController`: `None` for a submission the servers keep, or the warning that
    /// says it was discarded (the job is registered all the same).
    pub fn discarded(&self, flags_escaped: bool) -> Option<String> {
        let size = self.weighed_size(flags_escaped);
        (size > JOB_MAX_SOURCE_SIZE).then(|| {
            format!(
                "job source size of {} exceeds maximum of {} and will be discarded",
                humanize_bytes(size as u64),
                humanize_bytes(JOB_MAX_SOURCE_SIZE as u64)
            )
        })
    }
}

/// `helper.MergeMultierrorWarnings`: the register response's `Warnings` (`""` for none).
pub fn merge_warnings(warnings: &[String]) -> String {
    let head = match warnings.len() {
        0 => return String::new(),
        1 => "1 warning:\n".to_string(),
        n => format!("{n} warnings:\n"),
    };
    warnings.iter().fold(head, |text, w| format!("{text}\n* {}", w.trim()))
}

/// go-humanize's `Bytes` (`humanateBytes` with base 1000): under 10 bytes `"N B"`, else the
/// value in its unit rounded to a tenth, written with one decimal under 10 (`"1.0 MB"`) and
/// none from 10 (`"12 kB"`).
pub fn humanize_bytes(size: u64) -> String {
    const SIZES: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if size < 10 {
        return format!("{size} B");
    }
    let exp = ((size as f64).ln() / 1000f64.ln()).floor();
    let unit = SIZES.get(exp as usize).copied().unwrap_or("EB");
    let value = ((size as f64) / 1000f64.powf(exp) * 10.0 + 0.5).floor() / 10.0;
    if value < 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// Go's `url.QueryEscape`: unreserved bytes as they are, space as `+`, the rest `%XX`.
pub fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// go-humanize `bytes.go` `humanateBytes`, base 1000.
    #[test]
    fn sizes_read_as_go_humanize_writes_them() {
        assert_eq!(humanize_bytes(9), "9 B");
        assert_eq!(humanize_bytes(999), "999 B");
        assert_eq!(humanize_bytes(1_000), "1.0 kB");
        assert_eq!(humanize_bytes(12_345), "12 kB");
        assert_eq!(humanize_bytes(1_000_000), "1.0 MB");
        assert_eq!(humanize_bytes(1_000_001), "1.0 MB");
        assert_eq!(humanize_bytes(1_050_000), "1.1 MB");
    }

    /// `nomad/job_endpoint_hooks.go` `submissionController`, `helper/warning.go`.
    #[test]
    fn a_source_over_the_limit_is_discarded_with_a_warning() {
        let mut sub = JobSubmission { source: "x".repeat(JOB_MAX_SOURCE_SIZE), ..JobSubmission::default() };
        assert_eq!(sub.discarded(true), None);
        sub.variable_flags = Some(BTreeMap::from([("a".to_string(), "b".to_string())]));
        let warning = sub.discarded(true).unwrap();
        assert_eq!(warning, "job source size of 1.0 MB exceeds maximum of 1.0 MB and will be discarded");
        assert_eq!(merge_warnings(std::slice::from_ref(&warning)), format!("1 warning:\n\n* {warning}"));
        assert_eq!(merge_warnings(&["a".into(), "b ".into()]), "2 warnings:\n\n* a\n* b");
        assert_eq!(merge_warnings(&[]), "");
    }

    /// From 1.10.0 a flag's value is weighed query-escaped (`api/jobs.go` Canonicalize).
    #[test]
    fn escaped_flags_weigh_more() {
        let flags = BTreeMap::from([("k".to_string(), "a b/c".to_string())]);
        let sub = JobSubmission { variable_flags: Some(flags), ..JobSubmission::default() };
        assert_eq!(query_escape("a b/c"), "a+b%2Fc");
        assert_eq!(sub.weighed_size(false), 1 + 5);
        assert_eq!(sub.weighed_size(true), 1 + 7);
    }
}
