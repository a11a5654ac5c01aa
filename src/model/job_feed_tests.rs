//! Tests of the event-fed jobs list: Job events as rows, summaries read when allocations or
//! evaluations change, and a purged job's row going in each release's way.

use super::*;
use std::time::Duration;

/// A whole job as Nomad 1.11.3 writes it (`structs.Job`; the fixture follows
/// `nomad/structs/structs.go`): ID `web`, namespace `default`, `ModifyIndex` 42.
const JOB: &str = include_str!("../../crates/nomad-api/tests/fixtures/1.11/job.json");

/// One line as Nomad writes a Job event (`structs.Events` of `structs.Event`,
/// `nomad/structs/event.go`; the payload `structs.JobEvent`, `eventFromChange` in
/// `nomad/state/events.go`, v1.11.3), `tail` being what follows the job in the payload.
fn job_line(index: u64, kind: &str, job: &str, tail: &str) -> String {
    format!(
        r#"{{"Index":{index},"Events":[{{"Topic":"Job","Type":"{kind}","Key":"web","Namespace":"default","FilterKeys":null,"Index":{index},"Payload":{{"Job":{job}{tail}}}}}]}}"#
    )
}

/// An allocation event of job `job` (its payload's allocation omitempty and without its job).
fn alloc_line(index: u64, job: &str) -> String {
    format!(
        r#"{{"Index":{index},"Events":[{{"Topic":"Allocation","Type":"AllocationUpdated","Key":"a{index}","Namespace":"default","FilterKeys":["{job}",""],"Index":{index},"Payload":{{"Allocation":{{"ID":"a{index}","Namespace":"default","EvalID":"e1","Name":"{job}.g[0]","NodeID":"n1","JobID":"{job}","TaskGroup":"g","DesiredStatus":"run","ClientStatus":"complete","CreateIndex":30,"ModifyIndex":{index},"AllocModifyIndex":30,"CreateTime":1700000000000000000,"ModifyTime":1700000001000000000}}}}}}]}}"#
    )
}

/// An evaluation event (`structs.EvaluationEvent`), keyed by the evaluation.
fn eval_line(index: u64, job: &str) -> String {
    format!(
        r#"{{"Index":{index},"Events":[{{"Topic":"Evaluation","Type":"EvaluationUpdated","Key":"e{index}","Namespace":"default","FilterKeys":["{job}",""],"Index":{index},"Payload":{{"Evaluation":{{"ID":"e{index}","Namespace":"default","Priority":50,"Type":"service","TriggeredBy":"job-register","JobID":"{job}","Status":"blocked","QueuedAllocations":{{"g":1}},"CreateIndex":{index},"ModifyIndex":{index}}}}}}}]}}"#
    )
}

fn line(text: &str) -> Events<JobListPayload> {
    serde_json::from_str(text).unwrap()
}

fn stub(id: &str, namespace: &str, modify: u64) -> Arc<JobListStub> {
    Arc::new(JobListStub { id: id.into(), namespace: namespace.into(), modify_index: modify, ..Default::default() })
}

fn summary(running: u64, modify: u64) -> Vec<u8> {
    format!(
        r#"{{"JobID":"web","Namespace":"default","Summary":{{"g":{{"Queued":0,"Complete":0,"Failed":0,"Running":{running},"Starting":0,"Lost":0,"Unknown":0}}}},"Children":{{"Pending":0,"Running":0,"Dead":0}},"CreateIndex":10,"ModifyIndex":{modify}}}"#
    )
    .into_bytes()
}

fn paths(reads: &[(String, Read)]) -> Vec<(String, String)> {
    reads.iter().map(|(k, r)| (k.clone(), r.path_and_query(None, Duration::ZERO))).collect()
}

fn running(feed: &JobFeed) -> Option<u64> {
    feed.feed.get("default/web")?.job_summary.as_ref().map(|s| s.summary.values().map(|g| g.running).sum())
}

#[test]
fn a_registered_job_is_its_stub_and_its_summary_is_read() {
    let mut feed = JobFeed::new(Vec::new(), 40, &Keep::default());
    assert!(feed.apply(line(&job_line(42, "JobRegistered", JOB, ""))));
    let job: Job = serde_json::from_str(JOB).unwrap();
    let row = feed.feed.get("default/web").unwrap();
    assert_eq!(**row, JobListStub::from_job(&job, None, JobStubFields::default()));
    assert_eq!((row.status.as_str(), row.kind.as_str(), row.modify_index), ("running", "service", 42));

    // Its summary, read from the leader in the job's namespace, once.
    let reads = feed.follow_ups();
    let shown = paths(&reads);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].0, "default/web");
    assert!(shown[0].1.starts_with("/v1/job/web/summary?"), "{}", shown[0].1);
    assert!(shown[0].1.contains("namespace=default") && !shown[0].1.contains("stale"), "{}", shown[0].1);
    assert!(feed.follow_ups().is_empty());
    assert!(feed.take_follow_up("default/web", &summary(2, 46)).unwrap());
    assert_eq!(running(&feed), Some(2));
    assert!(feed.follow_ups().is_empty());
}

#[test]
fn allocation_and_evaluation_events_ask_for_one_summary_read_at_a_time() {
    let mut feed = JobFeed::new(vec![stub("web", "default", 20), stub("api", "default", 20)], 40, &Keep::default());
    // No row changes: the counts are read apart.
    assert!(!feed.apply(line(&alloc_line(41, "web"))));
    assert!(!feed.apply(line(&alloc_line(42, "web"))));
    assert_eq!(paths(&feed.follow_ups()).len(), 1);
    // While it is read, more changes want one more read after it, not one each.
    assert!(!feed.apply(line(&alloc_line(43, "web"))));
    assert!(!feed.apply(line(&eval_line(44, "web"))));
    assert!(feed.follow_ups().is_empty());
    assert!(feed.take_follow_up("default/web", &summary(1, 43)).unwrap());
    assert_eq!(paths(&feed.follow_ups()).len(), 1);
    // An older answer does not replace a newer one.
    assert!(!feed.take_follow_up("default/web", &summary(5, 41)).unwrap());
    assert_eq!(running(&feed), Some(1));
    // A failed read may be asked again; a job not shown is not read.
    assert!(!feed.apply(line(&alloc_line(45, "web"))));
    assert!(!feed.apply(line(&alloc_line(46, "gone"))));
    assert_eq!(paths(&feed.follow_ups()).iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["default/web"]);
    feed.follow_up_failed("default/web");
    assert!(!feed.apply(line(&alloc_line(47, "web"))));
    assert_eq!(feed.follow_ups().len(), 1);
    assert!(feed.take_follow_up("default/web", b"not json").is_err());
}

#[test]
fn a_job_event_keeps_the_summary_shown() {
    let mut feed = JobFeed::new(vec![stub("web", "default", 20)], 40, &Keep::default());
    assert!(!feed.apply(line(&alloc_line(41, "web"))));
    feed.follow_ups();
    assert!(feed.take_follow_up("default/web", &summary(3, 41)).unwrap());
    assert!(feed.apply(line(&job_line(42, "AllocationUpdated", JOB, ""))));
    assert_eq!(running(&feed), Some(3));
    assert_eq!(feed.feed.get("default/web").unwrap().status, "running");
}

/// 1.11.3: a purge's Job event carries the job as it was, with `"Deleted":true`.
#[test]
fn a_deleted_job_event_removes_its_row() {
    let mut feed = JobFeed::new(vec![stub("web", "default", 20), stub("api", "default", 20)], 40, &Keep::default());
    assert!(feed.apply(line(&job_line(50, "JobDeregistered", JOB, r#","Deleted":true"#))));
    assert!(feed.feed.get("default/web").is_none());
    assert_eq!(feed.feed.rows().len(), 1);
    assert!(feed.follow_ups().is_empty());
}

/// 1.8.0 to 1.11.2 send the purged job without `Deleted` (its `ModifyIndex` that of its
/// last write, so the row is not replaced); 1.4.0 to 1.7.x send no Job event, but its
/// allocations stop. Either way the summary read answers 404 and the row goes.
#[test]
fn a_purge_without_deleted_removes_the_row_when_its_summary_is_gone() {
    let mut feed = JobFeed::new(vec![stub("web", "default", 42)], 45, &Keep::default());
    assert!(!feed.apply(line(&job_line(50, "JobDeregistered", JOB, ""))));
    assert_eq!(feed.follow_ups().len(), 1);
    assert!(feed.follow_up_missing("default/web"));
    assert!(feed.feed.get("default/web").is_none());

    let mut feed = JobFeed::new(vec![stub("web", "default", 42)], 45, &Keep::default());
    assert!(!feed.apply(line(&alloc_line(51, "web"))));
    assert_eq!(feed.follow_ups().len(), 1);
    assert!(feed.follow_up_missing("default/web"));
    assert!(feed.feed.rows().is_empty());
}

#[test]
fn rows_are_in_nomads_list_order_and_of_the_namespace_kept() {
    let rows = vec![stub("b", "default", 1), stub("a", "ops", 1), stub("a", "default", 1)];
    let all = JobFeed::new(rows.clone(), 1, &Keep::default());
    let order: Vec<_> = all.rows().iter().map(|j| (j.namespace.clone(), j.id.clone())).collect();
    assert_eq!(order, [("default".into(), "a".into()), ("default".into(), "b".into()), ("ops".into(), "a".into())]);
    let keep = Keep { namespace: Some("ops".into()), ..Keep::default() };
    let mut ops = JobFeed::new(rows, 1, &keep);
    assert_eq!(ops.rows().len(), 1);
    // Another namespace's events change nothing there.
    assert!(!ops.apply(line(&job_line(42, "JobRegistered", JOB, ""))));
    assert!(!ops.apply(line(&alloc_line(43, "a"))));
    assert!(ops.follow_ups().is_empty());
}

#[test]
fn a_heartbeat_changes_nothing() {
    let mut feed = JobFeed::new(Vec::new(), 30, &Keep::default());
    assert!(!feed.apply(line("{}")));
    assert_eq!(feed.index(), 30);
}
