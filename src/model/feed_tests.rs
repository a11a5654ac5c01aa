//! Tests of the event-fed list: snapshot, batches, pages, and the allocation events' job fields.

use super::*;

fn alloc(id: &str, job: &str, node: &str, status: &str, modify: u64) -> AllocationRow {
    AllocationRow {
        id: id.into(),
        name: format!("{job}.g[0]"),
        namespace: "default".into(),
        job_id: job.into(),
        node_id: node.into(),
        client_status: status.into(),
        modify_index: modify,
        ..Default::default()
    }
}

fn statuses(feed: &Feed<AllocationRow>) -> Vec<(String, String)> {
    let mut v: Vec<_> = feed.rows().iter().map(|a| (a.id.clone(), a.client_status.clone())).collect();
    v.sort();
    v
}

#[test]
fn batches_apply_once_and_never_go_back() {
    let mut feed = Feed::from_snapshot(vec![Arc::new(alloc("a", "web", "n1", "pending", 5))], 10);
    // A batch the snapshot already holds is skipped, even if it names a row.
    assert!(!feed.apply(10, vec![Change::Upsert(alloc("a", "web", "n1", "failed", 9))]));
    assert!(feed.apply(11, vec![Change::Upsert(alloc("a", "web", "n1", "running", 11))]));
    assert!(feed.apply(12, vec![Change::Upsert(alloc("b", "web", "n1", "pending", 12))]));
    // The same batch again (a resent line) changes nothing.
    assert!(!feed.apply(12, vec![Change::Upsert(alloc("b", "web", "n1", "failed", 12))]));
    // A row older than the one shown does not replace it.
    assert!(!feed.apply(13, vec![Change::Upsert(alloc("a", "web", "n1", "pending", 6))]));
    assert_eq!(feed.index(), 13);
    assert_eq!(statuses(&feed), vec![("a".into(), "running".into()), ("b".into(), "pending".into())]);
}

#[test]
fn later_pages_merge_by_modify_index() {
    let mut feed = Feed::from_snapshot(vec![Arc::new(alloc("a", "web", "n1", "pending", 5))], 10);
    feed.merge(vec![
        Arc::new(alloc("a", "web", "n1", "running", 14)),
        Arc::new(alloc("c", "web", "n1", "complete", 3)),
    ]);
    // A batch between the first page and the later one is applied where it is newer.
    assert!(!feed.apply(12, vec![Change::Upsert(alloc("a", "web", "n1", "pending", 12))]));
    assert_eq!(statuses(&feed), vec![("a".into(), "running".into()), ("c".into(), "complete".into())]);
}

#[test]
fn deletes_keep_every_other_row_reachable() {
    let rows = ["a", "b", "c", "d"].map(|id| Arc::new(alloc(id, "web", "n1", "running", 1)));
    let mut feed = Feed::from_snapshot(rows.to_vec(), 1);
    assert!(feed.apply(2, vec![Change::Delete("b".into())]));
    assert!(!feed.apply(3, vec![Change::Delete("b".into())]));
    for id in ["a", "c", "d"] {
        assert_eq!(feed.get(id).map(|a| a.id.as_str()), Some(id));
    }
    assert!(feed.get("b").is_none());
    assert!(feed.apply(4, vec![Change::Upsert(alloc("d", "web", "n1", "failed", 4))]));
    assert_eq!(feed.get("d").map(|a| a.client_status.as_str()), Some("failed"));
    assert_eq!(feed.rows().len(), 3);
}

/// One line as Nomad writes it for an allocation whose client reported (`structs.Events`
/// with `structs.Event`, `nomad/structs/event.go`; the allocation omitempty and without its
/// job, `nomad/state/events.go` `eventFromChange`, v1.11.3).
const ALLOC_LINE: &str = r#"{"Index":40,"Events":[{"Topic":"Allocation","Type":"AllocationUpdated","Key":"b2","Namespace":"default","FilterKeys":["web"],"Index":40,"Payload":{"Allocation":{"ID":"b2","Namespace":"default","EvalID":"e1","Name":"web.g[1]","NodeID":"n1","NodeName":"node-1","JobID":"web","TaskGroup":"g","DesiredStatus":"run","ClientStatus":"running","TaskStates":{"t":{"State":"running","Failed":false,"Restarts":2,"Events":null}},"CreateIndex":39,"ModifyIndex":40,"AllocModifyIndex":39,"CreateTime":1700000000000000000,"ModifyTime":1700000001000000000}}}]}"#;

/// A Job event (`structs.JobEvent`): the whole job; only its header is read.
const JOB_LINE: &str = r#"{"Index":38,"Events":[{"Topic":"Job","Type":"JobRegistered","Key":"web","Namespace":"default","FilterKeys":null,"Index":38,"Payload":{"Job":{"ID":"web","Namespace":"default","Type":"service","Version":3,"TaskGroups":[{"Name":"g","Count":2}],"Periodic":null}}}]}"#;

fn line(text: &str) -> Events<AllocationPayload> {
    AllocationFeed::decode_batch(text.as_bytes()).unwrap()
}

#[test]
fn a_new_allocation_takes_its_jobs_type_and_version_from_the_job_event() {
    let mut feed = AllocationFeed::new(vec![Arc::new(alloc("a1", "web", "n1", "running", 30))], 30, &Keep::default());
    // A job event changes no row, but is remembered.
    assert!(!feed.apply(line(JOB_LINE)));
    assert!(feed.apply(line(ALLOC_LINE)));
    let b2 = feed.feed.get("b2").unwrap();
    assert_eq!((b2.job_type.as_str(), b2.job_version), ("service", 3));
    assert_eq!((b2.node_name.as_str(), b2.client_status.as_str()), ("node-1", "running"));
    assert_eq!(b2.create_time.0, 1_700_000_000_000_000_000);
    // Listed without task states, like the snapshot.
    assert_eq!(b2.task_states, None);
}

#[test]
fn an_allocation_shown_keeps_its_job_fields_and_a_new_one_falls_back_to_a_sibling() {
    let mut shown = alloc("b2", "web", "n1", "pending", 30);
    shown.job_type = "batch".into();
    shown.job_version = 1;
    let mut feed = AllocationFeed::new(vec![Arc::new(shown)], 30, &Keep::default());
    assert!(feed.apply(line(ALLOC_LINE)));
    let b2 = feed.feed.get("b2").unwrap();
    assert_eq!((b2.job_type.as_str(), b2.job_version, b2.client_status.as_str()), ("batch", 1, "running"));

    let new = ALLOC_LINE.replace("\"b2\"", "\"b3\"").replace(":40", ":41");
    assert!(feed.apply(line(&new)));
    assert_eq!(feed.feed.get("b3").map(|a| (a.job_type.as_str(), a.job_version)), Some(("batch", 1)));
}

#[test]
fn a_node_feed_keeps_only_that_nodes_allocations() {
    let rows = vec![Arc::new(alloc("a1", "web", "n1", "running", 5)), Arc::new(alloc("a2", "web", "n2", "running", 5))];
    let mut feed = AllocationFeed::new(rows, 30, &Keep { node: Some("n2".into()), ..Keep::default() });
    assert_eq!(feed.feed.rows().len(), 1);
    // b2 is on n1: not this node's.
    assert!(!feed.apply(line(ALLOC_LINE)));
    assert!(feed.feed.get("b2").is_none());
    // The batch was seen all the same: it is not applied again.
    assert_eq!(feed.feed.index(), 40);
}

#[test]
fn a_heartbeat_changes_nothing() {
    let mut feed = AllocationFeed::new(Vec::new(), 30, &Keep::default());
    assert!(!feed.apply(line("{}")));
    assert_eq!(feed.feed.index(), 30);
}

/// `/v1/node/:id/allocations` answers whole allocations, each with its job
/// (`nomad/node_endpoint.go` `GetAllocs`); the row takes the job's type and version.
#[test]
fn a_whole_allocation_becomes_a_row_with_its_jobs_type_and_version() {
    let body = br#"[{"ID":"a1","Namespace":"default","JobID":"web","Job":{"ID":"web","Type":"batch","Version":4,"TaskGroups":[]},"ClientStatus":"running","TaskStates":{"t":{"State":"running"}},"ModifyIndex":9},{"ID":"a2","Namespace":"ops","JobID":"x","ClientStatus":"pending","ModifyIndex":9}]"#;
    let ranges = crate::api::decode::split_array(body).unwrap();
    let keep = Keep { namespace: Some("default".into()), ..Keep::default() };
    let a1 = NodeAllocations::whole_row(body, ranges[0].clone(), &keep).unwrap().unwrap();
    assert_eq!((a1.job_type.as_str(), a1.job_version, a1.task_states.is_none()), ("batch", 4, true));
    // Another namespace than the page's: not kept.
    assert_eq!(NodeAllocations::whole_row(body, ranges[1].clone(), &keep).unwrap(), None);
    let all = NodeAllocations::whole_row(body, ranges[1].clone(), &Keep::default()).unwrap().unwrap();
    assert_eq!((all.job_type.as_str(), all.job_version), ("", 0));
}

fn whole(id: &str, modify: u64, alloc_modify: u64, status: &str, job_version: Option<u64>) -> Allocation {
    Allocation {
        id: id.into(),
        client_status: status.into(),
        modify_index: modify,
        alloc_modify_index: alloc_modify,
        job: job_version.map(|v| Arc::new(nomad_api::Job { id: "web".into(), version: v, ..Default::default() })),
        ..Default::default()
    }
}

fn one_line(a: &Allocation, index: u64) -> Events<OneAllocationPayload> {
    let payload = serde_json::json!({ "Allocation": a });
    let line = serde_json::json!({ "Index": index, "Events": [{ "Topic": "Allocation", "Type": "AllocationUpdated",
        "Key": a.id, "Namespace": "default", "FilterKeys": ["web"], "Index": index, "Payload": payload }] });
    serde_json::from_value(line).unwrap()
}

#[test]
fn an_allocations_page_keeps_its_job_and_reads_again_after_a_scheduler_change() {
    let read = crate::api::endpoints::allocation(&crate::api::endpoints::Scope::default(), "a1");
    let keep = Keep { one: Some(read.clone()), ..Keep::default() };
    let mut one = OneAllocation::new(vec![Arc::new(whole("a1", 10, 8, "pending", Some(1)))], 10, &keep);
    // A client update (the event's allocation has no job): the job shown stays, no re-read.
    assert!(one.apply(one_line(&whole("a1", 11, 8, "running", None), 11)));
    assert_eq!(
        one.feed.get("a1").map(|a| (a.client_status.as_str(), a.job.as_ref().map(|j| j.version))),
        Some(("running", Some(1)))
    );
    assert!(one.follow_ups().is_empty());
    // An in-place update by the scheduler moves AllocModifyIndex: the whole allocation is read.
    assert!(one.apply(one_line(&whole("a1", 12, 12, "running", None), 12)));
    assert_eq!(one.follow_ups(), vec![(String::new(), read)]);
    assert!(one.follow_ups().is_empty(), "asked once");
    let fresh = serde_json::to_vec(&whole("a1", 12, 12, "running", Some(2))).unwrap();
    assert!(one.take_follow_up("", &fresh).unwrap());
    assert_eq!(one.feed.get("a1").and_then(|a| a.job.as_ref()).map(|j| j.version), Some(2));
    // Another allocation's event (not this page's) changes nothing.
    assert!(!one.apply(one_line(&whole("b", 13, 13, "failed", None), 13)));
}

/// A line that is not an event batch, or whose allocation is not one, is an error (the
/// engine then reads a fresh snapshot), never a panic or a half-applied batch.
#[test]
fn a_malformed_event_is_an_error() {
    assert!(AllocationFeed::decode_batch(b"{\"Index\":").is_err());
    let bad = ALLOC_LINE.replace("\"ModifyIndex\":40", "\"ModifyIndex\":\"forty\"");
    assert!(AllocationFeed::decode_batch(bad.as_bytes()).unwrap_err().contains("invalid type"));
    assert_eq!(AllocationFeed::decode_batch(b"{}").unwrap().events.len(), 0);
}
