//! `nomad_api::json::from_slice` (the dashboard's decoder, which reads structs from JSON objects
//! only to keep the wasm small) decodes every fixture and sample exactly as `serde_json` does,
//! keeps `null`, omitted and zero fields working at every depth, and differs only where Nomad
//! never writes: a struct sent as an array.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nomad_api::json::from_slice;
use nomad_api::*;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Debug;

fn read(path: &str) -> Vec<u8> {
    let path = format!("{}/tests/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Decodes `path` both ways; the values must be equal (and not the type's default).
fn same<T: DeserializeOwned + PartialEq + Debug + Default>(path: &str) {
    let bytes = read(path);
    let expected: T = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    let got: T = from_slice(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(got, expected, "{path}");
    assert_ne!(got, T::default(), "{path}: nothing decoded");
}

#[test]
fn fixtures_of_every_release_decode_as_serde_json_does() {
    for release in ["1.4", "1.11"] {
        same::<Allocation>(&format!("fixtures/{release}/allocation.json"));
        same::<Vec<AllocationListStub>>(&format!("fixtures/{release}/allocations.json"));
        same::<Job>(&format!("fixtures/{release}/job.json"));
        same::<Vec<JobListStub>>(&format!("fixtures/{release}/jobs.json"));
        same::<Node>(&format!("fixtures/{release}/node.json"));
        same::<Vec<NodeListStub>>(&format!("fixtures/{release}/nodes.json"));
    }
}

#[test]
fn samples_decode_as_serde_json_does() {
    same::<AgentHealthResponse>("samples/agent-health.json");
    same::<ServerMembers>("samples/agent-members.json");
    same::<AgentSelf>("samples/agent-self.json");
    same::<Vec<AllocationListStub>>("samples/allocations.json");
    same::<Allocation>("samples/allocation.json");
    same::<HostStats>("samples/client-stats.json");
    same::<AllocResourceUsage>("samples/client-allocation-stats.json");
    same::<Vec<AllocFileInfo>>("samples/client-fs-ls.json");
    same::<AllocFileInfo>("samples/client-fs-stat.json");
}

#[test]
fn null_omitted_and_zero_fields_decode_at_every_depth() {
    let stub: AllocationListStub = from_slice(
        br#"{"ID":"a","JobVersion":0,"DesiredTransition":null,"TaskStates":{"web":null,"db":
            {"State":"dead","Failed":true,"StartedAt":null,"FinishedAt":"0001-01-01T00:00:00Z",
             "Events":[{"Type":"Killing","KillTimeout":"5s","Details":null},{"StartDelay":1500}]}},
            "AllocatedResources":{"Tasks":{"web":{"Networks":null}},"Shared":null},
            "DeploymentStatus":null,"RescheduleTracker":{"Events":null},"PreemptedAllocations":null,
            "CreateTime":1700000000000000000}"#,
    )
    .unwrap();
    assert_eq!(stub.id, "a");
    assert_eq!(stub.job_version, 0);
    assert_eq!(stub.desired_transition, DesiredTransition::default());
    let states = stub.task_states.as_ref().unwrap();
    assert_eq!(states["web"], TaskState::default(), "a nil *TaskState");
    let db = &states["db"];
    assert!(db.failed);
    assert_eq!((db.started_at, db.finished_at), (None, None));
    assert_eq!(db.events[0].kill_timeout.0, 5_000_000_000);
    assert!(db.events[0].details.is_empty());
    assert_eq!(db.events[1].start_delay.0, 1500);
    let resources = stub.allocated_resources.as_ref().unwrap();
    assert!(resources.tasks["web"].networks.is_empty());
    assert_eq!(stub.deployment_status, None);
    assert!(stub.reschedule_tracker.as_ref().unwrap().events.is_empty());
    assert!(stub.preempted_allocations.is_empty());
    assert_eq!(stub.create_time, NanoTime(1_700_000_000_000_000_000));

    let empty: AllocationListStub = from_slice(b"{}").unwrap();
    assert_eq!(empty, AllocationListStub::default());
    let unknown: AllocationListStub = from_slice(br#"{"ID":"b","NotYetInvented":{"X":[1,{"Y":null}]}}"#).unwrap();
    assert_eq!(unknown.id, "b");
}

#[test]
fn enums_maps_and_options_pass_through() {
    #[derive(Debug, PartialEq, Deserialize)]
    enum Kind {
        Plain,
        Wrapped(u8),
        Body { x: Option<String> },
    }
    #[derive(Debug, PartialEq, Deserialize)]
    struct Holder {
        kinds: Vec<Kind>,
        map: BTreeMap<String, Option<Vec<u8>>>,
        value: serde_json::Value,
    }
    let text = br#"{"kinds":["Plain",{"Wrapped":7},{"Body":{"x":"y"}}],"map":{"a":null,"b":[1]},
                    "value":{"k":[1,"two",null]}}"#;
    let got: Holder = from_slice(text).unwrap();
    let expected: Holder = serde_json::from_slice(text).unwrap();
    assert_eq!(got, expected);
    assert_eq!(got.kinds[2], Kind::Body { x: Some("y".into()) });
}

#[test]
fn refuses_what_nomad_never_writes_and_what_serde_json_refuses() {
    // A struct as an array of its fields: serde_json takes it, Nomad never writes it.
    assert!(serde_json::from_slice::<Port>(br#"["http",8080,0,""]"#).is_ok());
    let e = from_slice::<Port>(br#"["http",8080,0,""]"#).unwrap_err();
    assert_eq!(e.to_string(), "invalid type: sequence, expected struct Port at line 1 column 0");
    // Everything else fails as serde_json fails, at the same place.
    for bad in [&br#"{"Label":"a"} x"#[..], br#"{"Label":1}"#, br#"{"Label":"a""#, b"", b"null"] {
        let ours = from_slice::<Port>(bad).unwrap_err().to_string();
        let theirs = serde_json::from_slice::<Port>(bad).unwrap_err().to_string();
        assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(bad));
    }
}
