//! Bounds on what one request can make the agent hold. A job with `Count = 1000000000` made
//! the agent allocate a billion allocations and die; a large body is read into memory whole.
//! These checks run where requests enter, before anything is built from them: the body's size
//! before it is read, a job's counts and size before it is canonicalized and placed.
//!
//! Nomad's own bound is `job_max_count` (Nomad 1.11.0 on, default 50,000 allocations per job,
//! `JobDefaultMaxCount` in nomad/structs/structs.go, checked by `jobValidate` in
//! nomad/job_endpoint_hooks.go): its message is used as it is, for every release. Nomad reads
//! bodies without a limit (command/agent/http.go); the others here are this agent's.

use crate::error::ApiError;
use crate::state::Store;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use nomad_api::Job;

/// The largest request body read: as deploy/nginx.conf's `client_max_body_size`.
pub const MAX_REQUEST_BODY: usize = 16 << 20;
/// `structs.JobDefaultMaxCount`: the most allocations one job may ask for (all groups).
pub const JOB_MAX_COUNT: i64 = 50_000;
/// Each allocation holds a copy of its job: the most bytes a job's allocations may take.
pub const MAX_JOB_ALLOCATION_BYTES: usize = 256 << 20;
/// The most allocations the state may hold after a registration.
pub const MAX_ALLOCATIONS: usize = 250_000;

/// Nomad's `multierror` text of validation errors (go-multierror's `ListFormatFunc`), which
/// `Job.Register` returns uncoded, so 500.
fn validation_error(errors: &[String]) -> ApiError {
    ApiError::internal(nomad_api::multierror::format(errors))
}

/// The job's counts and size against the bounds, given the state it would be placed in.
pub fn check_job(job: &Job, store: &Store) -> Result<(), ApiError> {
    let total = job.task_groups.iter().fold(0i64, |sum, g| sum.saturating_add(g.count));
    if total > JOB_MAX_COUNT {
        return Err(validation_error(&[format!(
            "total count was greater than configured job_max_count: {total} > {JOB_MAX_COUNT}"
        )]));
    }
    let placed = usize::try_from(total).unwrap_or(0);
    let size = serde_json::to_vec(job).map_or(0, |bytes| bytes.len());
    if placed.saturating_mul(size) > MAX_JOB_ALLOCATION_BYTES {
        return Err(validation_error(&[format!(
            "job is too large to place: {placed} allocations of a {size}-byte job exceed this agent's {} MiB for a job's allocations",
            MAX_JOB_ALLOCATION_BYTES >> 20
        )]));
    }
    let held = store.alloc_count();
    if held.saturating_add(placed) > MAX_ALLOCATIONS {
        return Err(validation_error(&[format!(
            "too many allocations: {held} held and {placed} more asked for exceed this agent's {MAX_ALLOCATIONS}"
        )]));
    }
    Ok(())
}

/// Middleware: a body announced larger than [`MAX_REQUEST_BODY`] is refused before it is read
/// (one sent without a length is cut at that size when read).
pub async fn check_body_length(request: Request, next: Next) -> Response {
    let length = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if length.is_some_and(|length| length > MAX_REQUEST_BODY as u64) {
        let text = format!("Request body too large: this agent reads at most {} MiB", MAX_REQUEST_BODY >> 20);
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, text).into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobspec::{group, job, shell_task};

    fn counted(counts: &[i64]) -> Job {
        let groups =
            counts.iter().enumerate().map(|(i, c)| group(&format!("g{i}"), *c, vec![shell_task("t", "true", 100, 64)]));
        job("big", "default", "service", groups.collect())
    }

    #[test]
    fn counts_are_bounded_with_nomads_message() {
        let store = Store::default();
        assert!(check_job(&counted(&[1, 49_999]), &store).is_ok());
        let e = check_job(&counted(&[1_000_000_000]), &store).unwrap_err();
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            e.message,
            "1 error occurred:\n\t* total count was greater than configured job_max_count: 1000000000 > 50000\n\n"
        );
        let e = check_job(&counted(&[i64::MAX, i64::MAX]), &store).unwrap_err();
        assert!(e.message.contains(&format!("{} > 50000", i64::MAX)), "{}", e.message);
        // Negative counts are jobspec's to refuse ("Task group count can't be negative").
        assert!(check_job(&counted(&[-5]), &store).is_ok());
    }

    #[test]
    fn a_large_job_placed_many_times_is_refused() {
        let mut big = counted(&[40_000]);
        big.meta.insert("padding".into(), "x".repeat(10_000));
        let e = check_job(&big, &Store::default()).unwrap_err();
        assert!(
            e.message.starts_with("1 error occurred:\n\t* job is too large to place: 40000 allocations of a "),
            "{}",
            e.message
        );
    }

    #[test]
    fn validation_errors_read_as_nomads_multierror() {
        assert_eq!(validation_error(&["a".into(), "b".into()]).message, "2 errors occurred:\n\t* a\n\t* b\n\n");
    }
}
