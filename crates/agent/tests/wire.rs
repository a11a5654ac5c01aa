//! The agent writes every object as the Nomad release it answers as would: the exact field set
//! (present, absent, `null`) of allocations, their list stubs, task states and events, jobs,
//! job stubs, nodes, node stubs, namespaces and agent members, at 1.4.0 and at 1.11.3.
//!
//! The expected sets are written out here from Nomad's structs at each tag (not from the agent's
//! own tables), with the rules of go-msgpack's JSON encoder that Nomad's HTTP server uses
//! (`nomad/structs/handlers.go`; `codec/gen.go` `encOmitEmptyLine`, `codec/json.go`
//! `EncodeTime` in go-msgpack v1.1.5 and v2.1.5): zero times and nil collections are `null`,
//! and `Allocation` (`_struct codec:",omitempty"`) leaves out its empty fields.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{running, TestAgent};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const V14: &str = "1.4.0";
const V111: &str = "1.11.3";

async fn agent(version: &str) -> TestAgent {
    let version = version.parse().unwrap();
    TestAgent::start_with(|c| c.nomad_version = version).await
}

async fn get_json(agent: &TestAgent, path: &str) -> Value {
    let r = agent.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    r.json()
}

/// Asserts that `value` is an object with exactly `fields`.
#[track_caller]
fn assert_fields(what: &str, value: &Value, fields: &[&str]) {
    let have: BTreeSet<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    let want: BTreeSet<&str> = fields.iter().copied().collect();
    let extra: Vec<_> = have.difference(&want).collect();
    let missing: Vec<_> = want.difference(&have).collect();
    assert!(extra.is_empty() && missing.is_empty(), "{what}: unexpected {extra:?}, missing {missing:?}");
}

fn with(base: &[&'static str], more: &[&'static str]) -> Vec<&'static str> {
    base.iter().chain(more).copied().collect()
}

fn without(base: &[&'static str], less: &[&'static str]) -> Vec<&'static str> {
    base.iter().filter(|f| !less.contains(f)).copied().collect()
}

/// `structs.AllocListStub` (nomad/structs/structs.go at 1.4.0; alloc.go at 1.11.3, which adds
/// `NextAllocation`, from 1.6.0). `AllocatedResources` is `json:",omitempty"` and only
/// listed with `resources=true`.
const ALLOC_STUB_14: &[&str] = &[
    "ID",
    "EvalID",
    "Name",
    "Namespace",
    "NodeID",
    "NodeName",
    "JobID",
    "JobType",
    "JobVersion",
    "TaskGroup",
    "DesiredStatus",
    "DesiredDescription",
    "ClientStatus",
    "ClientDescription",
    "DesiredTransition",
    "TaskStates",
    "DeploymentStatus",
    "FollowupEvalID",
    "RescheduleTracker",
    "PreemptedAllocations",
    "PreemptedByAllocation",
    "CreateIndex",
    "ModifyIndex",
    "CreateTime",
    "ModifyTime",
];

/// `structs.DesiredTransition`: `MigrateDisablePlacement` from 1.11.0 (alloc.go).
const TRANSITION_14: &[&str] = &["Migrate", "Reschedule", "ForceReschedule", "NoShutdownDelay"];

/// `structs.TaskState` (nomad/structs/structs.go): `TaskHandle` until 1.9.x, `Paused` from 1.8.0.
const TASK_STATE_COMMON: &[&str] = &["State", "Failed", "Restarts", "LastRestart", "StartedAt", "FinishedAt", "Events"];

/// `structs.TaskEvent` (nomad/structs/structs.go), the same in both.
const TASK_EVENT: &[&str] = &[
    "Type",
    "Time",
    "Message",
    "DisplayMessage",
    "Details",
    "FailsTask",
    "RestartReason",
    "SetupError",
    "DriverError",
    "ExitCode",
    "Signal",
    "KillTimeout",
    "KillError",
    "KillReason",
    "StartDelay",
    "DownloadError",
    "ValidationError",
    "DiskLimit",
    "FailedSibling",
    "VaultError",
    "TaskSignalReason",
    "TaskSignal",
    "DriverMessage",
    "GenericSource",
];

/// The non-empty fields of a placed, running batch allocation: `Allocation` omits the rest
/// (no deployment, transition, predecessor, reschedule tracker or network status).
const ALLOCATION_SET: &[&str] = &[
    "ID",
    "Namespace",
    "EvalID",
    "Name",
    "NodeID",
    "NodeName",
    "JobID",
    "Job",
    "TaskGroup",
    "Resources",
    "SharedResources",
    "TaskResources",
    "AllocatedResources",
    "Metrics",
    "DesiredStatus",
    "ClientStatus",
    "ClientDescription",
    "TaskStates",
    "CreateIndex",
    "ModifyIndex",
    "AllocModifyIndex",
    "CreateTime",
    "ModifyTime",
];

/// `structs.Job` at 1.4.0 (nomad/structs/structs.go).
const JOB_14: &[&str] = &[
    "Stop",
    "Region",
    "Namespace",
    "ID",
    "ParentID",
    "Name",
    "Type",
    "Priority",
    "AllAtOnce",
    "Datacenters",
    "Constraints",
    "Affinities",
    "Spreads",
    "TaskGroups",
    "Update",
    "Multiregion",
    "Periodic",
    "ParameterizedJob",
    "Dispatched",
    "DispatchIdempotencyToken",
    "Payload",
    "Meta",
    "ConsulToken",
    "ConsulNamespace",
    "VaultToken",
    "VaultNamespace",
    "NomadTokenID",
    "Status",
    "StatusDescription",
    "Stable",
    "Version",
    "SubmitTime",
    "CreateIndex",
    "ModifyIndex",
    "JobModifyIndex",
];

/// `structs.TaskGroup` at 1.4.0; 1.11.3 adds `Disconnect` (1.8.0, group.go) and
/// `PreventRescheduleOnLost` (1.7.2).
const GROUP_14: &[&str] = &[
    "Name",
    "Count",
    "Update",
    "Migrate",
    "Constraints",
    "Scaling",
    "RestartPolicy",
    "Tasks",
    "EphemeralDisk",
    "Meta",
    "ReschedulePolicy",
    "Affinities",
    "Spreads",
    "Networks",
    "Consul",
    "Services",
    "Volumes",
    "ShutdownDelay",
    "StopAfterClientDisconnect",
    "MaxClientDisconnect",
];

/// `structs.Task` at 1.4.0; 1.11.3 adds `Identity` (1.5.0), `Consul`, `Identities`, `Actions`
/// (1.7.0), `Schedule` (1.8.0) and `Secrets` (1.11.0).
const TASK_14: &[&str] = &[
    "Name",
    "Driver",
    "User",
    "Config",
    "Env",
    "Services",
    "Vault",
    "Templates",
    "Constraints",
    "Affinities",
    "Resources",
    "RestartPolicy",
    "DispatchPayload",
    "Lifecycle",
    "Meta",
    "KillTimeout",
    "LogConfig",
    "Artifacts",
    "Leader",
    "ShutdownDelay",
    "VolumeMounts",
    "ScalingPolicies",
    "KillSignal",
    "Kind",
    "CSIPluginConfig",
];

/// `structs.Resources` at 1.4.0; 1.11.3 adds `NUMA` (1.7.0) and `SecretsMB` (1.8.3).
const RESOURCES_14: &[&str] = &["CPU", "Cores", "MemoryMB", "MemoryMaxMB", "DiskMB", "IOPS", "Networks", "Devices"];

/// `structs.JobListStub` at 1.4.0; `NodePool` from 1.6.0, `Meta` (`json:",omitempty"`) from 1.4.3.
const JOB_STUB_14: &[&str] = &[
    "ID",
    "ParentID",
    "Name",
    "Namespace",
    "Datacenters",
    "Multiregion",
    "Type",
    "Priority",
    "Periodic",
    "ParameterizedJob",
    "Stop",
    "Status",
    "StatusDescription",
    "JobSummary",
    "CreateIndex",
    "ModifyIndex",
    "JobModifyIndex",
    "SubmitTime",
];

/// `structs.Node` at 1.4.0, with the `Drain` that `nodeExt` (nomad/structs/extensions.go) adds.
const NODE_14: &[&str] = &[
    "ID",
    "SecretID",
    "Datacenter",
    "Name",
    "CgroupParent",
    "HTTPAddr",
    "TLSEnabled",
    "Attributes",
    "NodeResources",
    "ReservedResources",
    "Resources",
    "Reserved",
    "Links",
    "Meta",
    "NodeClass",
    "ComputedClass",
    "DrainStrategy",
    "SchedulingEligibility",
    "Status",
    "StatusDescription",
    "StatusUpdatedAt",
    "Events",
    "Drivers",
    "CSIControllerPlugins",
    "CSINodePlugins",
    "HostVolumes",
    "HostNetworks",
    "LastDrain",
    "CreateIndex",
    "ModifyIndex",
    "Drain",
];

/// `structs.NodeListStub` at 1.4.0 without `resources` or `os` (`Attributes`, `NodeResources`
/// and `ReservedResources` are `json:",omitempty"`); `NodePool` from 1.6.0.
const NODE_STUB_14: &[&str] = &[
    "Address",
    "ID",
    "Datacenter",
    "Name",
    "NodeClass",
    "Version",
    "Drain",
    "SchedulingEligibility",
    "Status",
    "StatusDescription",
    "Drivers",
    "HostVolumes",
    "LastDrain",
    "CreateIndex",
    "ModifyIndex",
];

/// `structs.NodeResources` at 1.4.0; `Processors` from 1.7.0 (numa.go).
const NODE_RESOURCES_14: &[&str] =
    &["Cpu", "Memory", "Disk", "Devices", "NodeNetworks", "Networks", "MinDynamicPort", "MaxDynamicPort"];

/// Runs a batch job of one long task and returns its running allocation's ID.
async fn running_batch(agent: &TestAgent) -> String {
    let id = agent.run_job("nightly", "default", "batch", 1, &[("work", "sleep 60")]).remove(0);
    agent.wait_alloc(&id, running).await;
    id
}

async fn check_stubs(version: &str) {
    let agent = agent(version).await;
    let id = running_batch(&agent).await;
    let new = version == V111;
    for path in ["/v1/allocations", "/v1/job/nightly/allocations", "/v1/allocations?pretty"] {
        let list = get_json(&agent, path).await;
        let stub = &list[0];
        assert_eq!(stub["ID"], json!(id));
        let want = if new { with(ALLOC_STUB_14, &["NextAllocation"]) } else { ALLOC_STUB_14.to_vec() };
        assert_fields(&format!("{version} {path} stub"), stub, &want);
        // Not omit-empty: empty strings and nil pointers are written.
        assert_eq!((&stub["DesiredDescription"], &stub["DeploymentStatus"]), (&json!(""), &Value::Null));
        assert_eq!((&stub["RescheduleTracker"], &stub["PreemptedAllocations"]), (&Value::Null, &Value::Null));
        let transition = if new { with(TRANSITION_14, &["MigrateDisablePlacement"]) } else { TRANSITION_14.to_vec() };
        assert_fields("DesiredTransition", &stub["DesiredTransition"], &transition);
        assert!(stub["DesiredTransition"].as_object().unwrap().values().all(Value::is_null));
        let state = &stub["TaskStates"]["work"];
        let state_fields = with(TASK_STATE_COMMON, if new { &["Paused"] } else { &["TaskHandle"] });
        assert_fields("TaskState", state, &state_fields);
        assert_eq!(state["State"], json!("running"));
        // A zero time.Time is null, never "0001-01-01T00:00:00Z".
        assert_eq!((&state["FinishedAt"], &state["LastRestart"]), (&Value::Null, &Value::Null));
        assert!(state["StartedAt"].is_string());
        if new {
            assert_eq!(state["Paused"], json!(""));
        } else {
            assert_eq!(state["TaskHandle"], Value::Null);
        }
        let event = &state["Events"][0];
        assert_fields("TaskEvent", event, TASK_EVENT);
        // `NewTaskEvent` makes `Details`; `KillTimeout` is a time.Duration, an integer.
        assert!(event["Details"].is_object() && event["KillTimeout"].is_i64() && event["Time"].is_i64());
    }
    // `resources=true` adds `AllocatedResources`; `task_states=false` writes `TaskStates: null`.
    let list = get_json(&agent, "/v1/allocations?resources=true&task_states=false").await;
    assert!(list[0]["AllocatedResources"]["Tasks"]["work"].is_object());
    assert_eq!(list[0]["TaskStates"], Value::Null);
}

#[tokio::test]
async fn allocation_stubs_at_1_4() {
    check_stubs(V14).await;
}

#[tokio::test]
async fn allocation_stubs_at_1_11() {
    check_stubs(V111).await;
}

async fn check_allocation(version: &str) {
    let agent = agent(version).await;
    let id = running_batch(&agent).await;
    let new = version == V111;
    let node_id = agent.agent.state().node_id.clone();
    for alloc in [
        get_json(&agent, &format!("/v1/allocation/{id}")).await,
        get_json(&agent, &format!("/v1/node/{node_id}/allocations")).await[0].clone(),
    ] {
        // nomad/structs/structs.go (1.4.0), alloc.go (1.11.3): `_struct codec:",omitempty"`.
        assert_fields(&format!("{version} Allocation"), &alloc, ALLOCATION_SET);
        let state = &alloc["TaskStates"]["work"];
        assert_eq!(state["FinishedAt"], Value::Null);
        assert!(state.get("TaskHandle").is_some() != new);

        let resources = if new { with(RESOURCES_14, &["NUMA", "SecretsMB"]) } else { RESOURCES_14.to_vec() };
        assert_fields("Resources", &alloc["Resources"], &resources);
        // `scheduler/rank.go`: every task's lifecycle, nil for a main task.
        assert_eq!(alloc["AllocatedResources"]["TaskLifecycles"], json!({"work": null}));
        let metric = &alloc["Metrics"];
        assert_eq!(metric.get("NodesInPool").is_some(), new, "AllocMetric.NodesInPool (1.6.0)");
        assert_eq!(metric.get("NodePool").is_some(), new, "AllocMetric.NodePool (1.10.4)");

        let job = &alloc["Job"];
        let job_fields = if new {
            with(&without(JOB_14, &["ConsulToken", "VaultToken"]), &["NodePool", "UI", "VersionTag"])
        } else {
            JOB_14.to_vec()
        };
        assert_fields("Job", job, &job_fields);
        // A batch job's `Update` is the zero UpdateStrategy (a struct, never null).
        assert_eq!(job["Update"]["MaxParallel"], json!(0));
        assert_eq!(job["Update"].as_object().map(|u| u.len()), Some(9));
        assert_eq!((&job["Constraints"], &job["Meta"], &job["Payload"]), (&Value::Null, &Value::Null, &Value::Null));
        let group = &job["TaskGroups"][0];
        let group_fields =
            if new { with(GROUP_14, &["Disconnect", "PreventRescheduleOnLost"]) } else { GROUP_14.to_vec() };
        assert_fields("TaskGroup", group, &group_fields);
        // api.DefaultEphemeralDisk, filled for every group (api/tasks.go, nomad/structs/structs.go).
        assert_eq!(group["EphemeralDisk"], json!({"Sticky": false, "SizeMB": 300, "Migrate": false}));
        // Batch groups get no update or migrate block.
        assert_eq!((&group["Update"], &group["Migrate"]), (&Value::Null, &Value::Null));
        let task = &group["Tasks"][0];
        let task_fields = if new {
            with(TASK_14, &["Identity", "Consul", "Identities", "Actions", "Schedule", "Secrets"])
        } else {
            TASK_14.to_vec()
        };
        assert_fields("Task", task, &task_fields);
        // The task's restart policy is the group's (`Task.Canonicalize`).
        assert_eq!(task["RestartPolicy"], group["RestartPolicy"]);
        let restart = if new {
            vec!["Attempts", "Interval", "Delay", "Mode", "RenderTemplates"]
        } else {
            vec!["Attempts", "Interval", "Delay", "Mode"]
        };
        assert_fields("RestartPolicy", &task["RestartPolicy"], &restart);
        let log = if new { vec!["MaxFiles", "MaxFileSizeMB", "Disabled"] } else { vec!["MaxFiles", "MaxFileSizeMB"] };
        assert_fields("LogConfig", &task["LogConfig"], &log);
        assert!(task["KillTimeout"].is_i64());
        if new {
            // Every task has the default workload identity since 1.7.0 (workload_id.go).
            let identity = &task["Identity"];
            assert_fields(
                "WorkloadIdentity",
                identity,
                &["Name", "Audience", "ChangeMode", "ChangeSignal", "Env", "File", "Filepath", "ServiceName", "TTL"],
            );
            assert_eq!((&identity["Name"], &identity["Audience"]), (&json!("default"), &json!(["nomadproject.io"])));
        }
    }
}

#[tokio::test]
async fn allocations_at_1_4() {
    check_allocation(V14).await;
}

#[tokio::test]
async fn allocations_at_1_11() {
    check_allocation(V111).await;
}

async fn check_jobs(version: &str) {
    let agent = agent(version).await;
    let new = version == V111;
    agent.run_job("web", "default", "service", 1, &[("server", "sleep 60")]);
    let job = get_json(&agent, "/v1/job/web").await;
    // `api.DefaultUpdateStrategy`, kept at the job level as Stagger and MaxParallel only
    // (command/agent/job_endpoint.go `ApiJobToStructJob`), merged whole into the group.
    assert_eq!(job["Update"]["Stagger"], json!(30_000_000_000u64));
    assert_eq!(job["Update"]["MaxParallel"], json!(1));
    assert_eq!(job["Update"]["HealthCheck"], json!(""));
    let group = &job["TaskGroups"][0];
    assert_eq!(group["Update"]["HealthCheck"], json!("checks"));
    assert_eq!(group["Update"]["ProgressDeadline"], json!(600_000_000_000u64));
    // `structs.DefaultMigrateStrategy` for service groups.
    assert_eq!(
        group["Migrate"],
        json!({"MaxParallel": 1, "HealthCheck": "checks", "MinHealthyTime": 10_000_000_000u64, "HealthyDeadline": 300_000_000_000u64})
    );
    assert_eq!(job.get("NodePool").cloned(), new.then(|| json!("default")), "Job.NodePool (1.6.0)");
    assert_eq!(job.get("ConsulToken").is_some(), !new, "Job.ConsulToken (until 1.10.0)");

    let list = get_json(&agent, "/v1/jobs").await;
    let stub = &list[0];
    let stub_fields = if new { with(JOB_STUB_14, &["NodePool"]) } else { JOB_STUB_14.to_vec() };
    assert_fields(&format!("{version} JobListStub"), stub, &stub_fields);
    let summary = &stub["JobSummary"];
    assert_fields("JobSummary", summary, &["JobID", "Namespace", "Summary", "Children", "CreateIndex", "ModifyIndex"]);
    // nomad/state/state_store.go `updateSummaryWithJob` makes the children's counts.
    assert_eq!(summary["Children"], json!({"Pending": 0, "Running": 0, "Dead": 0}));
    assert_fields(
        "TaskGroupSummary",
        &summary["Summary"]["web"],
        &["Queued", "Complete", "Failed", "Running", "Starting", "Lost", "Unknown"],
    );
    // `meta=true` (1.4.3+) lists `Meta`, left out when the job has none.
    let list = get_json(&agent, "/v1/jobs?meta=true").await;
    assert!(list[0].get("Meta").is_none());
}

#[tokio::test]
async fn jobs_at_1_4() {
    check_jobs(V14).await;
}

#[tokio::test]
async fn jobs_at_1_11() {
    check_jobs(V111).await;
}

const JOB_WITHOUT_DATACENTERS: &str = r#"{"Job": {"ID": "plain", "Type": "batch", "TaskGroups": [{"Name": "plain", "Count": 1,
    "Tasks": [{"Name": "t", "Driver": "raw_exec", "Config": {"command": "/bin/sh", "args": ["-c", "true"]}}]}]}}"#;

/// nomad/structs/structs.go: `Job.Validate` refuses a job without datacenters at 1.4.0
/// (an uncoded RPC error, so a 500 with the multierror text); `Job.Canonicalize` gives it
/// `["*"]` from 1.5.0.
#[tokio::test]
async fn datacenters_are_required_before_1_5() {
    let old = agent(V14).await;
    let r = old.post("/v1/jobs", JOB_WITHOUT_DATACENTERS).await;
    assert_eq!((r.status, r.text().as_str()), (500, "1 error occurred:\n\t* Missing job datacenters\n\n"));

    let new = agent(V111).await;
    let r = new.post("/v1/jobs", JOB_WITHOUT_DATACENTERS).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let job = get_json(&new, "/v1/job/plain").await;
    assert_eq!(job["Datacenters"], json!(["*"]));
    assert_eq!(job["TaskGroups"][0]["EphemeralDisk"]["SizeMB"], json!(300));
    assert_eq!(job["TaskGroups"][0]["Tasks"][0]["Resources"]["MemoryMB"], json!(300));
}

async fn check_nodes(version: &str) {
    let agent = agent(version).await;
    let new = version == V111;
    let id = agent.agent.state().node_id.clone();
    let node = get_json(&agent, &format!("/v1/node/{id}")).await;
    let node_fields = if new {
        with(
            &without(NODE_14, &["Resources", "Reserved"]),
            &[
                "NodePool",
                "IdentitySigningKeyID",
                "GCVolumesOnNodeGC",
                "NodeMaxAllocs",
                "LastMissedHeartbeatIndex",
                "LastAllocUpdateIndex",
            ],
        )
    } else {
        NODE_14.to_vec()
    };
    assert_fields(&format!("{version} Node"), &node, &node_fields);
    assert_eq!((&node["Drain"], &node["DrainStrategy"], &node["SecretID"]), (&json!(false), &Value::Null, &json!("")));
    // client/client.go `setupNode` makes these maps; `HostNetworks` only when configured.
    for made in ["Links", "Meta", "CSIControllerPlugins", "CSINodePlugins", "HostVolumes"] {
        assert!(node[made].is_object(), "{made}: {}", node[made]);
    }
    assert_eq!(node["HostNetworks"], Value::Null);
    // structs.DriverInfo (nomad/structs/node.go): the fingerprint's time.
    let driver = &node["Drivers"]["raw_exec"];
    assert_fields("DriverInfo", driver, &["Attributes", "Detected", "Healthy", "HealthDescription", "UpdateTime"]);
    assert!(driver["UpdateTime"].is_string());
    let resources = &node["NodeResources"];
    let resource_fields = if new { with(NODE_RESOURCES_14, &["Processors"]) } else { NODE_RESOURCES_14.to_vec() };
    assert_fields("NodeResources", resources, &resource_fields);
    assert_fields("NodeResources.Cpu", &resources["Cpu"], &["CpuShares", "TotalCpuCores", "ReservableCpuCores"]);
    assert_eq!((&resources["MinDynamicPort"], &resources["MaxDynamicPort"]), (&json!(20000), &json!(32000)));
    assert_fields("NodeReservedResources", &node["ReservedResources"], &["Cpu", "Memory", "Disk", "Networks"]);
    assert_fields("NodeEvent", &node["Events"][0], &["Message", "Subsystem", "Details", "Timestamp", "CreateIndex"]);
    assert!(node["Events"][0]["Timestamp"].is_string());
    if new {
        assert_eq!(node["NodePool"], json!("default"));
    } else {
        assert!(node["Resources"]["CPU"].as_i64().unwrap_or(0) > 0, "the legacy resources until 1.11.0");
    }

    let list = get_json(&agent, "/v1/nodes").await;
    let stub_fields = if new { with(NODE_STUB_14, &["NodePool"]) } else { NODE_STUB_14.to_vec() };
    assert_fields(&format!("{version} NodeListStub"), &list[0], &stub_fields);
    let list = get_json(&agent, "/v1/nodes?resources=true&os=true").await;
    assert_fields(
        "NodeListStub with resources",
        &list[0],
        &with(&stub_fields, &["Attributes", "NodeResources", "ReservedResources"]),
    );
}

#[tokio::test]
async fn nodes_at_1_4() {
    check_nodes(V14).await;
}

#[tokio::test]
async fn nodes_at_1_11() {
    check_nodes(V111).await;
}

/// `structs.Namespace` (nomad/structs/structs.go): `NodePoolConfiguration` from 1.6.0,
/// `VaultConfiguration` and `ConsulConfiguration` from 1.7.0. `structs.ServerMember` and
/// `agent.Member` (command/agent/agent_endpoint.go) are the same in both.
#[tokio::test]
async fn namespaces_and_members() {
    const NAMESPACE_14: &[&str] =
        &["Name", "Description", "Quota", "Capabilities", "Meta", "Hash", "CreateIndex", "ModifyIndex"];
    const MEMBER: &[&str] = &[
        "Name",
        "Addr",
        "Port",
        "Tags",
        "Status",
        "ProtocolMin",
        "ProtocolMax",
        "ProtocolCur",
        "DelegateMin",
        "DelegateMax",
        "DelegateCur",
    ];
    for version in [V14, V111] {
        let agent = agent(version).await;
        let list = get_json(&agent, "/v1/namespaces").await;
        let want = if version == V111 {
            with(NAMESPACE_14, &["NodePoolConfiguration", "VaultConfiguration", "ConsulConfiguration"])
        } else {
            NAMESPACE_14.to_vec()
        };
        assert_fields(&format!("{version} Namespace"), &list[0], &want);
        let members = get_json(&agent, "/v1/agent/members").await;
        assert_fields("ServerMembersResponse", &members, &["ServerName", "ServerRegion", "ServerDC", "Members"]);
        assert_fields("ServerMember", &members["Members"][0], MEMBER);
        let me = get_json(&agent, "/v1/agent/self").await;
        assert_fields("agent.Member", &me["member"], MEMBER);
    }
}

/// Scale mode's synthetic jobs and nodes are what Nomad would hold once registered: every group
/// has its `EphemeralDisk` (api/tasks.go `TaskGroup.Canonicalize`), update and migrate blocks,
/// every job its node pool, every node's driver its fingerprint time.
#[tokio::test]
async fn scale_mode_jobs_and_nodes_are_complete() {
    let agent = TestAgent::start_with(|c| c.synthetic_allocs = 40).await;
    let stubs = get_json(&agent, "/v1/jobs?namespace=*").await;
    assert!(!stubs.as_array().unwrap().is_empty());
    for stub in stubs.as_array().unwrap() {
        let path =
            format!("/v1/job/{}?namespace={}", stub["ID"].as_str().unwrap(), stub["Namespace"].as_str().unwrap());
        let job = get_json(&agent, &path).await;
        assert_eq!(job["NodePool"], json!("default"), "{path}");
        assert_eq!(job["Datacenters"], json!(["*"]), "{path}");
        for group in job["TaskGroups"].as_array().unwrap() {
            assert_eq!(group["EphemeralDisk"], json!({"Sticky": false, "SizeMB": 300, "Migrate": false}), "{path}");
            assert_eq!(group["Update"].is_object(), job["Type"] == json!("service"), "{path}");
            assert_eq!(group["Migrate"].is_object(), job["Type"] == json!("service"), "{path}");
            for task in group["Tasks"].as_array().unwrap() {
                assert_eq!(task["RestartPolicy"], group["RestartPolicy"], "{path}");
                assert_eq!(task["LogConfig"]["MaxFiles"], json!(10), "{path}");
                assert_eq!(task["Identity"]["Name"], json!("default"), "{path}");
            }
        }
    }
    for node in get_json(&agent, "/v1/nodes").await.as_array().unwrap() {
        let driver = node["Drivers"].as_object().unwrap().values().next().unwrap();
        assert!(driver["UpdateTime"].is_string(), "{node}");
        assert_eq!(node["NodePool"], json!("default"));
    }
}
