//! The demo workload: real local processes that give the dashboard something to show —
//! request logs, coloured output on both streams, a finished batch job, a task that keeps
//! crashing until its restart policy gives up, a two-task group, a second namespace.

use crate::jobspec::{group, job, shell_task};
use nomad_api::duration::GoDuration;
use nomad_api::{job_type, restart_mode, Job, ReschedulePolicy, RestartPolicy};
use std::collections::BTreeMap;
use std::time::Duration;

/// Request-like lines every second; drains on SIGINT (Nomad's kill signal) or SIGTERM,
/// answers SIGHUP and SIGUSR1.
const WEB: &str = r#"
trap 'echo "received SIGINT, draining connections"; exit 0' INT
trap 'echo "received SIGTERM, draining connections"; exit 0' TERM
trap 'echo "received SIGHUP, reloading configuration"' HUP
trap 'echo "received SIGUSR1, reopening log files"' USR1
echo "listening on :8080"
i=0
while :; do
  i=$((i + 1))
  case $((i % 7)) in
    0) req="GET /api/items 200" ;;
    1) req="GET /api/items/42 200" ;;
    2) req="POST /api/orders 201" ;;
    3) req="GET /healthz 200" ;;
    4) req="GET /api/users/7 404" ;;
    5) req="PUT /api/items/42 204" ;;
    *) req="GET /static/app.js 304" ;;
  esac
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $req $(( (i * 37) % 120 + 3 ))ms"
  sleep 1
done
"#;

/// ANSI-coloured levels, warnings and errors on stderr.
const API: &str = r#"
i=0
while :; do
  i=$((i + 1))
  printf '\033[32mINFO\033[0m  handled request id=%d status=\033[1m200\033[0m\n' "$i"
  if [ $((i % 3)) -eq 0 ]; then printf '\033[33mWARN\033[0m  slow query took %dms\n' $((200 + i % 50)) >&2; fi
  if [ $((i % 10)) -eq 0 ]; then printf '\033[31mERROR\033[0m upstream timeout after 3 retries\n' >&2; fi
  sleep 1
done
"#;

const LOG_SHIPPER: &str = r#"
n=0
while :; do
  n=$((n + 25))
  echo "shipped $n lines to collector"
  sleep 5
done
"#;

/// Finishes after a few seconds with exit code 0.
const BACKUP: &str = r#"
echo "starting backup of 5 tables"
for t in users orders items invoices audit; do
  echo "dumping table $t"
  sleep 1
done
echo "backup complete: 5 tables, 12.4 MiB"
"#;

/// Exits 1 about every ten seconds.
const FLAKY: &str = r#"
echo "worker starting"
n=0
while [ $n -lt 10 ]; do
  n=$((n + 1))
  echo "processing batch $n"
  sleep 1
done
echo "fatal: lost connection to queue" >&2
exit 1
"#;

const REPORTS: &str = r#"
n=0
while :; do
  n=$((n + 1))
  echo "generated report #$n"
  sleep 3
done
"#;

fn secs(s: u64) -> GoDuration {
    GoDuration::from_std(Duration::from_secs(s))
}

/// The demo jobs, ready to register.
pub fn jobs() -> Vec<Job> {
    let mut web =
        job("web", "default", job_type::SERVICE, vec![group("web", 2, vec![shell_task("server", WEB, 200, 128)])]);
    web.meta = BTreeMap::from([("team".to_string(), "storefront".to_string())]);

    let api = job(
        "api",
        "default",
        job_type::SERVICE,
        vec![group("api", 1, vec![shell_task("api", API, 300, 256), shell_task("log-shipper", LOG_SHIPPER, 50, 32)])],
    );

    let backup =
        job("backup", "default", job_type::BATCH, vec![group("backup", 1, vec![shell_task("dump", BACKUP, 100, 64)])]);

    let mut flaky_group = group("flaky", 1, vec![shell_task("worker", FLAKY, 100, 64)]);
    flaky_group.restart_policy = Some(RestartPolicy {
        attempts: 2,
        interval: secs(300),
        delay: secs(3),
        mode: restart_mode::FAIL.into(),
        render_templates: false,
    });
    flaky_group.reschedule_policy =
        Some(ReschedulePolicy { attempts: 0, unlimited: false, ..ReschedulePolicy::default() });
    let flaky = job("flaky", "default", job_type::SERVICE, vec![flaky_group]);

    let reports = job(
        "reports",
        crate::OPS_NAMESPACE,
        job_type::SERVICE,
        vec![group("reports", 1, vec![shell_task("generator", REPORTS, 100, 64)])],
    );

    vec![web, api, backup, flaky, reports]
}
