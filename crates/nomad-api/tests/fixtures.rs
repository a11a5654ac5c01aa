//! Responses written as Nomad 1.4.0 and 1.11.3 write them (`tests/fixtures/<release>/`, see its
//! README for the Go structs each follows) decode into this crate's types with the values they
//! hold: an omitted field is its default, `null` (a zero time, a nil slice, map or pointer) is
//! `None` or empty. Each fixture's objects have exactly the fields of their Go struct at that
//! tag, as `nomad_api::wire` lists them, and re-encoding a decoded value with `Wire` gives the
//! same shape back.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nomad_api::wire::{go_struct, Wire, STRUCTS};
use nomad_api::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const RELEASES: [(&str, NomadVersion); 2] =
    [("1.4", NomadVersion::new(1, 4, 0)), ("1.11", NomadVersion::new(1, 11, 3))];

fn fixture(release: &str, name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{release}/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn decode<T: DeserializeOwned>(release: &str, name: &str) -> T {
    serde_json::from_value(fixture(release, name)).unwrap_or_else(|e| panic!("{release}/{name}: {e}"))
}

/// What a field of a struct holds: one struct, or a list or map of them.
enum Holds {
    One(&'static str),
    Each(&'static str),
}
use Holds::{Each, One};

/// The nested structs of the fixtures, by (struct, field).
const NESTED: &[(&str, &str, Holds)] = &[
    ("Allocation", "Job", One("Job")),
    ("Allocation", "Resources", One("Resources")),
    ("Allocation", "SharedResources", One("Resources")),
    ("Allocation", "TaskResources", Each("Resources")),
    ("Allocation", "AllocatedResources", One("AllocatedResources")),
    ("Allocation", "Metrics", One("AllocMetric")),
    ("Allocation", "DesiredTransition", One("DesiredTransition")),
    ("Allocation", "TaskStates", Each("TaskState")),
    ("Allocation", "DeploymentStatus", One("AllocDeploymentStatus")),
    ("Allocation", "RescheduleTracker", One("RescheduleTracker")),
    ("AllocListStub", "AllocatedResources", One("AllocatedResources")),
    ("AllocListStub", "DesiredTransition", One("DesiredTransition")),
    ("AllocListStub", "TaskStates", Each("TaskState")),
    ("AllocListStub", "DeploymentStatus", One("AllocDeploymentStatus")),
    ("AllocListStub", "RescheduleTracker", One("RescheduleTracker")),
    ("TaskState", "Events", Each("TaskEvent")),
    ("RescheduleTracker", "Events", Each("RescheduleEvent")),
    ("AllocMetric", "ScoreMetaData", Each("NodeScoreMeta")),
    ("AllocMetric", "ResourcesExhausted", Each("Resources")),
    ("Resources", "Networks", Each("NetworkResource")),
    ("NetworkResource", "DynamicPorts", Each("Port")),
    ("NetworkResource", "ReservedPorts", Each("Port")),
    ("AllocatedResources", "Tasks", Each("AllocatedTaskResources")),
    ("AllocatedResources", "TaskLifecycles", Each("TaskLifecycleConfig")),
    ("AllocatedResources", "Shared", One("AllocatedSharedResources")),
    ("AllocatedTaskResources", "Cpu", One("AllocatedCpuResources")),
    ("AllocatedTaskResources", "Memory", One("AllocatedMemoryResources")),
    ("AllocatedTaskResources", "Networks", Each("NetworkResource")),
    ("AllocatedSharedResources", "Networks", Each("NetworkResource")),
    ("AllocatedSharedResources", "Ports", Each("AllocatedPortMapping")),
    ("Job", "TaskGroups", Each("TaskGroup")),
    ("Job", "Update", One("UpdateStrategy")),
    ("TaskGroup", "Update", One("UpdateStrategy")),
    ("TaskGroup", "Migrate", One("MigrateStrategy")),
    ("TaskGroup", "RestartPolicy", One("RestartPolicy")),
    ("TaskGroup", "ReschedulePolicy", One("ReschedulePolicy")),
    ("TaskGroup", "EphemeralDisk", One("EphemeralDisk")),
    ("TaskGroup", "Tasks", Each("Task")),
    ("TaskGroup", "Networks", Each("NetworkResource")),
    ("Task", "Resources", One("Resources")),
    ("Task", "RestartPolicy", One("RestartPolicy")),
    ("Task", "LogConfig", One("LogConfig")),
    ("Task", "Lifecycle", One("TaskLifecycleConfig")),
    ("Task", "Identity", One("WorkloadIdentity")),
    ("Task", "Identities", Each("WorkloadIdentity")),
    ("JobListStub", "JobSummary", One("JobSummary")),
    ("JobSummary", "Summary", Each("TaskGroupSummary")),
    ("JobSummary", "Children", One("JobChildrenSummary")),
    ("Node", "NodeResources", One("NodeResources")),
    ("Node", "ReservedResources", One("NodeReservedResources")),
    ("Node", "Resources", One("Resources")),
    ("Node", "Reserved", One("Resources")),
    ("Node", "Events", Each("NodeEvent")),
    ("Node", "Drivers", Each("DriverInfo")),
    ("NodeListStub", "Drivers", Each("DriverInfo")),
    ("NodeListStub", "NodeResources", One("NodeResources")),
    ("NodeListStub", "ReservedResources", One("NodeReservedResources")),
    ("NodeResources", "Cpu", One("NodeCpuResources")),
    ("NodeResources", "Memory", One("NodeMemoryResources")),
    ("NodeResources", "Disk", One("NodeDiskResources")),
    ("NodeResources", "Processors", One("NodeProcessorResources")),
    ("NodeResources", "Networks", Each("NetworkResource")),
    ("NodeReservedResources", "Cpu", One("NodeReservedCpuResources")),
    ("NodeReservedResources", "Memory", One("NodeReservedMemoryResources")),
    ("NodeReservedResources", "Disk", One("NodeReservedDiskResources")),
    ("NodeReservedResources", "Networks", One("NodeReservedNetworkResources")),
];

/// Asserts that `value` (a `name`) has the fields its Go struct has in `version`: all of them
/// unless they may be left out as empty, and no other; then its nested structs.
fn check_fields(name: &str, value: &Value, version: NomadVersion, path: &str) {
    let Some(object) = value.as_object() else { return };
    let schema = go_struct(name).unwrap_or_else(|| panic!("no table for {name}"));
    let omit_empty = (schema.omitempty)(version);
    for key in object.keys() {
        let field = schema.fields.iter().find(|f| f.name == key);
        assert!(field.is_some_and(|f| f.in_release(version)), "{path}: {name} at {version} has no {key}");
    }
    for field in schema.fields.iter().filter(|f| f.in_release(version) && !f.omitempty && !omit_empty) {
        assert!(object.contains_key(field.name), "{path}: {name} at {version} always writes {}", field.name);
    }
    for (_, field, holds) in NESTED.iter().filter(|(parent, ..)| *parent == name) {
        let Some(child) = object.get(*field) else { continue };
        let at = format!("{path}.{field}");
        match holds {
            One(inner) => check_fields(inner, child, version, &at),
            Each(inner) => {
                let items: Vec<&Value> = match child {
                    Value::Array(items) => items.iter().collect(),
                    Value::Object(map) => map.values().collect(),
                    _ => Vec::new(),
                };
                items.into_iter().for_each(|item| check_fields(inner, item, version, &at));
            }
        }
    }
}

fn check_each(name: &str, list: &Value, version: NomadVersion, path: &str) {
    for (i, item) in list.as_array().unwrap_or_else(|| panic!("{path} is not a list")).iter().enumerate() {
        check_fields(name, item, version, &format!("{path}[{i}]"));
    }
}

#[test]
fn fixtures_have_the_fields_of_their_release() {
    for (release, version) in RELEASES {
        check_fields("Allocation", &fixture(release, "allocation.json"), version, "allocation");
        check_each("AllocListStub", &fixture(release, "allocations.json"), version, "allocations");
        check_fields("Job", &fixture(release, "job.json"), version, "job");
        check_each("JobListStub", &fixture(release, "jobs.json"), version, "jobs");
        check_fields("Node", &fixture(release, "node.json"), version, "node");
        check_each("NodeListStub", &fixture(release, "nodes.json"), version, "nodes");
    }
}

/// Asserts that two encodings have the same keys wherever both hold an object, down the tree
/// (where the Rust type does not model a field's content, `Wire` writes Go's zero value and the
/// two differ in value only).
fn assert_same_shape(ours: &Value, theirs: &Value, path: &str) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let (ka, kb): (BTreeSet<&String>, BTreeSet<&String>) = (a.keys().collect(), b.keys().collect());
            assert_eq!(ka, kb, "{path}: keys differ");
            for key in ka {
                assert_same_shape(&a[key], &b[key], &format!("{path}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_same_shape(x, y, &format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(release: &str, name: &str, version: NomadVersion) -> T {
    let value: T = decode(release, name);
    let again = serde_json::to_value(Wire::new(&value, version)).unwrap();
    assert_same_shape(&again, &fixture(release, name), &format!("{release}/{name}"));
    value
}

#[test]
fn wire_writes_the_fixtures_shape_back() {
    for (release, version) in RELEASES {
        round_trip::<Allocation>(release, "allocation.json", version);
        round_trip::<Vec<AllocationListStub>>(release, "allocations.json", version);
        round_trip::<Job>(release, "job.json", version);
        round_trip::<Vec<JobListStub>>(release, "jobs.json", version);
        round_trip::<Node>(release, "node.json", version);
        round_trip::<Vec<NodeListStub>>(release, "nodes.json", version);
    }
}

#[test]
fn allocations_decode_with_their_values() {
    for (release, _) in RELEASES {
        let alloc: Allocation = decode(release, "allocation.json");
        // Left out as empty (`_struct codec:",omitempty"`): the defaults.
        assert_eq!(alloc.desired_description, "", "{release}");
        assert_eq!(alloc.desired_transition, DesiredTransition::default());
        assert_eq!((alloc.previous_allocation.as_str(), alloc.next_allocation.as_str()), ("", ""));
        assert!(alloc.reschedule_tracker.is_none() && alloc.preempted_allocations.is_empty());
        assert_eq!(alloc.deployment_id, "5c4b3a29-1807-46f5-a4d3-c2b1a0f9e8d7");
        let health = alloc.deployment_status.as_ref().unwrap();
        assert_eq!(
            (health.healthy, health.timestamp.map(|t| t.as_unix_nanos())),
            (Some(true), Some(1_700_000_075_000_123_000))
        );
        let server = &alloc.task_states["server"];
        assert_eq!((server.state.as_str(), server.restarts), ("running", 1));
        assert_eq!(server.finished_at, None, "{release}: a zero time is null");
        assert_eq!(server.started_at.map(|t| t.as_unix_nanos()), Some(1_700_000_060_500_000_000));
        assert_eq!(server.events.len(), 6);
        let restart = &server.events[4];
        assert_eq!((restart.kind.as_str(), restart.start_delay.0), ("Restarting", 15_240_000_000));
        assert_eq!(server.events[3].details["exit_code"], "137");
        assert!(server.events[0].details.is_empty());
        let resources = alloc.allocated_resources.as_ref().unwrap();
        assert_eq!(resources.task_lifecycles.get("server"), Some(&None));
        assert_eq!(resources.shared.ports[0].value, 25123);
        assert_eq!(resources.shared.networks[0].dynamic_ports[0].to, 8080);
        assert_eq!(alloc.metrics.as_ref().unwrap().score_meta_data[0].norm_score, 0.42);
        let job = alloc.job.as_ref().unwrap();
        assert_eq!(job.task_groups[0].tasks[0].kill_timeout.0, 5_000_000_000);
        assert_eq!((alloc.create_index, alloc.modify_time), (41, NanoTime(1_700_000_035_000_000_000)));

        let stubs: Vec<AllocationListStub> = decode(release, "allocations.json");
        assert_eq!(stubs.len(), 3);
        assert_eq!(stubs[0].task_states.as_ref().map(|t| t["server"].restarts), Some(1));
        // Not reported by its client yet: `TaskStates` is null.
        assert_eq!((stubs[1].client_status.as_str(), stubs[1].task_states.as_ref()), ("pending", None));
        assert!(stubs[1].deployment_status.is_none() && stubs[1].allocated_resources.is_none());
        let done = &stubs[2].task_states.as_ref().unwrap()["server"];
        assert_eq!(done.finished_at.map(|t| t.as_unix_nanos()), Some(1_699_999_500_000_000_001));
        assert_eq!(done.last_restart, None);
        assert_eq!(stubs[2].desired_transition.migrate, Some(true));
        assert_eq!(stubs[2].desired_transition.reschedule, None);
    }
    let old: Vec<AllocationListStub> = decode("1.4", "allocations.json");
    assert_eq!(old[2].next_allocation, "", "no NextAllocation before 1.6");
    let new: Vec<AllocationListStub> = decode("1.11", "allocations.json");
    assert_eq!(new[2].next_allocation, new[0].id);
}

#[test]
fn jobs_decode_with_their_values() {
    for (release, version) in RELEASES {
        let job: Job = decode(release, "job.json");
        assert_eq!((job.version, job.submit_time), (3, NanoTime(1_699_999_940_000_000_000)));
        assert!(job.constraints.is_empty() && job.periodic.is_none(), "{release}: null is empty");
        assert_eq!(job.update.max_parallel, 1);
        assert_eq!(job.update.health_check, "");
        assert_eq!(job.node_pool, if version.node_pools() { "default" } else { "" });
        let group = &job.task_groups[0];
        assert_eq!(group.ephemeral_disk.as_ref().map(|d| d.size_mb), Some(300));
        assert_eq!(group.update.as_ref().map(|u| u.healthy_deadline.0), Some(300_000_000_000));
        assert_eq!(group.migrate.as_ref().map(|m| m.max_parallel), Some(1));
        let task = &group.tasks[0];
        assert_eq!(task.env["GREETING"], "hello");
        assert!(task.meta.is_empty() && task.lifecycle.is_none());
        assert_eq!(task.restart_policy, group.restart_policy);
        assert_eq!(task.identity.as_ref().map(|i| i.name.as_str()), version.workload_identities().then_some("default"));

        let stubs: Vec<JobListStub> = decode(release, "jobs.json");
        let summary = stubs[0].job_summary.as_ref().unwrap();
        assert_eq!((summary.summary["web"].running, summary.summary["web"].starting), (1, 1));
        assert_eq!(summary.children.as_ref().map(|c| c.dead), Some(0));
        assert!(stubs[1].periodic);
        assert_eq!(stubs[1].job_summary.as_ref().and_then(|s| s.children.as_ref()).map(|c| c.dead), Some(6));
        assert_eq!(stubs[1].meta.as_ref().map(|m| m["owner"].as_str()), (release == "1.11").then_some("ops"));
        assert_eq!(stubs[0].meta, None, "{release}: `Meta` is left out when not asked for");
    }
}

#[test]
fn nodes_decode_with_their_values() {
    for (release, version) in RELEASES {
        let node: Node = decode(release, "node.json");
        assert_eq!(node.node_pool, if version.node_pools() { "default" } else { "" });
        let docker = &node.drivers["docker"];
        assert_eq!(docker.update_time.map(|t| t.as_unix_nanos()), Some(1_699_999_201_500_000_000));
        let exec = &node.drivers["exec"];
        assert!(!exec.detected && exec.attributes.is_empty(), "{release}: null attributes");
        assert_eq!(node.events[0].timestamp.map(|t| t.as_unix_nanos()), Some(1_699_999_000_000_000_000));
        assert_eq!(node.events[1].create_index, 7);
        assert!(node.events[0].details.is_empty());
        let resources = node.node_resources.as_ref().unwrap();
        assert_eq!((resources.cpu.cpu_shares, resources.cpu.reservable_cpu_cores.len()), (10000, 4));
        assert_eq!((resources.min_dynamic_port, resources.max_dynamic_port), (20000, 32000));
        let reserved = node.reserved_resources.as_ref().unwrap();
        assert_eq!((reserved.cpu.cpu_shares, reserved.networks.reserved_host_ports.as_str()), (100, "22"));
        assert_eq!(node.resources.is_some(), version.node_legacy_resources());
        assert!(!node.drain);

        let stubs: Vec<NodeListStub> = decode(release, "nodes.json");
        assert_eq!(stubs[0].drivers["docker"].health_description, "Healthy");
        assert!(stubs[1].drain && stubs[1].drivers.is_empty());
        // Listed with `resources=true&os=true` in the 1.11 fixture only.
        assert_eq!(stubs[0].node_resources.is_some(), release == "1.11");
        assert_eq!(
            stubs[0].attributes.as_ref().map(|a| a["os.name"].as_str()),
            (release == "1.11").then_some("ubuntu")
        );
        assert!(stubs[1].attributes.is_none() && stubs[1].reserved_resources.is_none());
    }
}

/// Every field this crate's types write is a field of the Go struct of the same name (in some
/// release): the types invent nothing.
#[test]
fn the_types_invent_no_fields() {
    fn fields_of<T: Serialize + Default>(name: &str) {
        let schema = go_struct(name).unwrap_or_else(|| panic!("no table for {name}"));
        let value = serde_json::to_value(T::default()).unwrap();
        for key in value.as_object().unwrap().keys() {
            assert!(schema.fields.iter().any(|f| f.name == key), "{name} has no field {key}");
        }
    }
    fields_of::<Allocation>("Allocation");
    fields_of::<AllocationListStub>("AllocListStub");
    fields_of::<DesiredTransition>("DesiredTransition");
    fields_of::<TaskState>("TaskState");
    fields_of::<TaskEvent>("TaskEvent");
    fields_of::<AllocDeploymentStatus>("AllocDeploymentStatus");
    fields_of::<RescheduleTracker>("RescheduleTracker");
    fields_of::<RescheduleEvent>("RescheduleEvent");
    fields_of::<AllocMetric>("AllocMetric");
    fields_of::<NodeScoreMeta>("NodeScoreMeta");
    fields_of::<Resources>("Resources");
    fields_of::<NetworkResource>("NetworkResource");
    fields_of::<Port>("Port");
    fields_of::<AllocatedResources>("AllocatedResources");
    fields_of::<AllocatedTaskResources>("AllocatedTaskResources");
    fields_of::<AllocatedSharedResources>("AllocatedSharedResources");
    fields_of::<AllocatedCpuResources>("AllocatedCpuResources");
    fields_of::<AllocatedMemoryResources>("AllocatedMemoryResources");
    fields_of::<AllocatedPortMapping>("AllocatedPortMapping");
    fields_of::<Job>("Job");
    fields_of::<UpdateStrategy>("UpdateStrategy");
    fields_of::<TaskGroup>("TaskGroup");
    fields_of::<MigrateStrategy>("MigrateStrategy");
    fields_of::<Task>("Task");
    fields_of::<RestartPolicy>("RestartPolicy");
    fields_of::<ReschedulePolicy>("ReschedulePolicy");
    fields_of::<EphemeralDisk>("EphemeralDisk");
    fields_of::<LogConfig>("LogConfig");
    fields_of::<TaskLifecycle>("TaskLifecycleConfig");
    fields_of::<WorkloadIdentity>("WorkloadIdentity");
    fields_of::<JobListStub>("JobListStub");
    fields_of::<JobSummary>("JobSummary");
    fields_of::<TaskGroupSummary>("TaskGroupSummary");
    fields_of::<JobChildrenSummary>("JobChildrenSummary");
    fields_of::<Node>("Node");
    fields_of::<NodeListStub>("NodeListStub");
    fields_of::<NodeResources>("NodeResources");
    fields_of::<NodeCpuResources>("NodeCpuResources");
    fields_of::<NodeMemoryResources>("NodeMemoryResources");
    fields_of::<NodeDiskResources>("NodeDiskResources");
    fields_of::<NodeReservedResources>("NodeReservedResources");
    fields_of::<NodeReservedCpuResources>("NodeReservedCpuResources");
    fields_of::<NodeReservedMemoryResources>("NodeReservedMemoryResources");
    fields_of::<NodeReservedDiskResources>("NodeReservedDiskResources");
    fields_of::<NodeReservedNetworkResources>("NodeReservedNetworkResources");
    fields_of::<DriverInfo>("DriverInfo");
    fields_of::<NodeEvent>("NodeEvent");
    fields_of::<Namespace>("Namespace");
    fields_of::<AgentMember>("AgentMember");
    fields_of::<ServerMembers>("ServerMembers");
    assert!(STRUCTS.len() >= 50);
}

/// Whatever Go may write as `null` (a pointer, slice, map, zero time, or a nested struct for
/// good measure) may be `null` or missing at any depth and still decode.
#[test]
fn nulls_and_missing_fields_decode_everywhere() {
    fn nullable(value: &Value) -> bool {
        match value {
            Value::Object(_) | Value::Array(_) => true,
            Value::String(s) => nomad_api::time::parse_rfc3339(s).is_ok(),
            _ => false,
        }
    }
    fn nulled(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter().map(|(k, v)| (k.clone(), if nullable(v) { Value::Null } else { v.clone() })).collect(),
            ),
            other => other.clone(),
        }
    }
    fn nulls_each_level(value: &Value, out: &mut Vec<Value>) {
        // The value with one object at a time replaced by all-null fields, and by `{}`.
        fn walk(v: &Value, replace: &mut dyn FnMut(&Value) -> Option<Value>) -> Value {
            if let Some(r) = replace(v) {
                return r;
            }
            match v {
                Value::Object(map) => Value::Object(map.iter().map(|(k, x)| (k.clone(), walk(x, replace))).collect()),
                Value::Array(items) => Value::Array(items.iter().map(|x| walk(x, replace)).collect()),
                other => other.clone(),
            }
        }
        let mut count = 0;
        walk(value, &mut |v| {
            count += usize::from(v.is_object());
            None
        });
        for target in 0..count {
            for empty in [false, true] {
                let mut seen = 0;
                out.push(walk(value, &mut |v| {
                    if !v.is_object() {
                        return None;
                    }
                    seen += 1;
                    (seen - 1 == target).then(|| if empty { json!({}) } else { nulled(v) })
                }));
            }
        }
    }
    fn check<T: DeserializeOwned>(release: &str, name: &str) {
        let mut variants = Vec::new();
        nulls_each_level(&fixture(release, name), &mut variants);
        for v in variants {
            let text = v.to_string();
            if let Err(e) = serde_json::from_value::<T>(v) {
                panic!("{release}/{name}: {e}: {text}");
            }
        }
    }
    for (release, _) in RELEASES {
        check::<Allocation>(release, "allocation.json");
        check::<Vec<AllocationListStub>>(release, "allocations.json");
        check::<Job>(release, "job.json");
        check::<Vec<JobListStub>>(release, "jobs.json");
        check::<Node>(release, "node.json");
        check::<Vec<NodeListStub>>(release, "nodes.json");
    }
}
