//! The exact shape in which a Nomad release writes its objects, and a serializer that gives
//! any of this crate's types that shape.
//!
//! Nomad's HTTP server encodes responses with go-msgpack's JSON handle
//! (`structs.JsonHandleWithExtensions`, `nomad/structs/handlers.go`), through the encoders
//! `codecgen` generates for `nomad/structs` in release builds (`GO_TAGS=codegen_generated`).
//! That encoder writes every exported field of a struct, whatever Rust knows of it, with these
//! rules (go-msgpack v1.1.5 and v2.1.5 alike, `codec/gen.go` `encOmitEmptyLine`, `codec/json.go`
//! `EncodeTime`):
//! - a zero `time.Time` is `null`; a nil pointer, slice, map or `[]byte` is `null`;
//! - a struct with `_struct bool \`codec:",omitempty"\`` (`Allocation`, and later `Port`,
//!   `NetworkResource`...) leaves out every empty field, as does a field tagged
//!   `json:",omitempty"`: `""`, `0`, `false`, a nil pointer (a non-nil pointer is never
//!   empty), a slice or map of length 0, a zero `time.Time`, and a nested non-pointer struct
//!   whose exported fields are all empty;
//! - `time.Duration` and the `int64` Unix times (`CreateTime`) are integers.
//!
//! The Rust types carry the fields Caravan reads, under Nomad's names, in Nomad's order.
//! [`Wire`] writes one as a given release would: fields that release lacks are left out,
//! fields Rust does not model are written as Go's zero value, empty collections are `null`
//! unless Nomad always makes them, and omit-empty structs drop their empty fields. The tables
//! here list every field of each struct the local agent serves, with the predicate of
//! [`NomadVersion`] that says which releases have it.

use crate::version::NomadVersion;
use serde::ser::{self, Serialize, Serializer};
use std::fmt;

/// What a Go field holds, which decides how its zero value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string (or a named string type): `""`.
    Str,
    /// An integer, float or `time.Duration`: `0`.
    Num,
    /// A `bool`: `false`.
    Bool,
    /// A pointer, interface or `time.Time`: `null` when nil or zero.
    Null,
    /// A slice, map or `[]byte`: `null` when nil. An empty Rust collection is written `null`
    /// too: Nomad's code leaves these nil unless it has something to put in them.
    Collection,
    /// A slice Nomad always makes, so that an empty one is `[]`.
    MadeList,
    /// A map Nomad always makes, so that an empty one is `{}`.
    MadeMap,
    /// A non-pointer struct, whose zero value is the struct with every field zero.
    Struct(&'static str),
}

type Since = fn(NomadVersion) -> bool;

/// One exported field of a Go struct.
#[derive(Clone, Copy)]
pub struct Field {
    /// The field's Go name, the key it is written under.
    pub name: &'static str,
    /// What the field holds, which decides how its zero value is written.
    pub kind: Kind,
    /// `json:",omitempty"` on the field.
    pub omitempty: bool,
    /// The releases that have it; `None` for all.
    pub present: Option<Since>,
}

impl Field {
    /// Whether release `version` has the field (always, when `present` is `None`).
    pub fn in_release(&self, version: NomadVersion) -> bool {
        self.present.is_none_or(|p| p(version))
    }

    const fn since(mut self, present: Since) -> Field {
        self.present = Some(present);
        self
    }

    const fn omitempty(mut self) -> Field {
        self.omitempty = true;
        self
    }
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Field").field("name", &self.name).field("kind", &self.kind).finish()
    }
}

const fn f(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, omitempty: false, present: None }
}

/// A Go struct Nomad writes.
pub struct GoStruct {
    /// The name the Rust type gives serde (Nomad's, but for `AgentMember`/`ServerMembers`).
    pub name: &'static str,
    /// Where Nomad defines it.
    pub source: &'static str,
    /// Whether the struct has `_struct bool \`codec:",omitempty"\`` in a release.
    pub omitempty: Since,
    /// The struct's exported fields, in Go's declaration order.
    pub fields: &'static [Field],
}

impl GoStruct {
    /// The fields a release writes when every one is set.
    pub fn field_names(&self, version: NomadVersion) -> Vec<&'static str> {
        self.fields.iter().filter(|f| f.in_release(version)).map(|f| f.name).collect()
    }

    /// The index of `name`, looking first at `from` (serde writes Rust fields in Nomad's
    /// order, so the next field is usually the one after the last).
    fn find(&self, name: &str, from: usize) -> Option<usize> {
        let n = self.fields.len();
        (0..n).map(|k| (from + k) % n).find(|&i| self.fields[i].name == name)
    }
}

fn never(_: NomadVersion) -> bool {
    false
}

fn always(_: NomadVersion) -> bool {
    true
}

use Kind::{Bool, Collection as Coll, MadeList as List, MadeMap as Map, Null, Num, Str, Struct};
type V = NomadVersion;

/// `structs.Allocation` (`nomad/structs/structs.go`; `alloc.go` from 1.11). `SignedIdentities`
/// is `json:"-"` and never written.
pub static ALLOCATION: GoStruct = GoStruct {
    name: "Allocation",
    source: "nomad/structs/structs.go, alloc.go from 1.11",
    omitempty: always,
    fields: &[
        f("ID", Str),
        f("Namespace", Str),
        f("EvalID", Str),
        f("Name", Str),
        f("NodeID", Str),
        f("NodeName", Str),
        f("JobID", Str),
        f("Job", Null),
        f("TaskGroup", Str),
        f("Resources", Null),
        f("SharedResources", Null),
        f("TaskResources", Coll),
        f("AllocatedResources", Null),
        f("Metrics", Null),
        f("DesiredStatus", Str),
        f("DesiredDescription", Str),
        f("DesiredTransition", Struct("DesiredTransition")),
        f("ClientStatus", Str),
        f("ClientDescription", Str),
        f("TaskStates", Coll),
        f("AllocStates", Coll),
        f("PreviousAllocation", Str),
        f("NextAllocation", Str),
        f("DeploymentID", Str),
        f("DeploymentStatus", Null),
        f("RescheduleTracker", Null),
        f("NetworkStatus", Null),
        f("FollowupEvalID", Str),
        f("PreemptedAllocations", Coll),
        f("PreemptedByAllocation", Str),
        f("SigningKeyID", Str).since(V::alloc_signing_key_id),
        f("CreateIndex", Num),
        f("ModifyIndex", Num),
        f("AllocModifyIndex", Num),
        f("CreateTime", Num),
        f("ModifyTime", Num),
    ],
};

/// `structs.AllocListStub` (`nomad/structs/structs.go`; `alloc.go` from 1.11).
pub static ALLOC_LIST_STUB: GoStruct = GoStruct {
    name: "AllocListStub",
    source: "nomad/structs/structs.go, alloc.go from 1.11",
    omitempty: never,
    fields: &[
        f("ID", Str),
        f("EvalID", Str),
        f("Name", Str),
        f("Namespace", Str),
        f("NodeID", Str),
        f("NodeName", Str),
        f("JobID", Str),
        f("JobType", Str),
        f("JobVersion", Num),
        f("TaskGroup", Str),
        f("AllocatedResources", Null).omitempty(),
        f("DesiredStatus", Str),
        f("DesiredDescription", Str),
        f("ClientStatus", Str),
        f("ClientDescription", Str),
        f("DesiredTransition", Struct("DesiredTransition")),
        f("TaskStates", Coll),
        f("DeploymentStatus", Null),
        f("FollowupEvalID", Str),
        f("NextAllocation", Str).since(V::alloc_stub_next_allocation),
        f("RescheduleTracker", Null),
        f("PreemptedAllocations", Coll),
        f("PreemptedByAllocation", Str),
        f("CreateIndex", Num),
        f("ModifyIndex", Num),
        f("CreateTime", Num),
        f("ModifyTime", Num),
    ],
};

/// `structs.DesiredTransition`.
pub static DESIRED_TRANSITION: GoStruct = GoStruct {
    name: "DesiredTransition",
    source: "nomad/structs/structs.go, alloc.go from 1.11",
    omitempty: never,
    fields: &[
        f("Migrate", Null),
        f("Reschedule", Null),
        f("ForceReschedule", Null),
        f("NoShutdownDelay", Null),
        f("MigrateDisablePlacement", Null).since(V::desired_transition_migrate_disable_placement),
    ],
};

/// `structs.TaskState`. `TaskHandle` (client-side only) is always nil over HTTP.
pub static TASK_STATE: GoStruct = GoStruct {
    name: "TaskState",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("State", Str),
        f("Failed", Bool),
        f("Restarts", Num),
        f("LastRestart", Null),
        f("StartedAt", Null),
        f("FinishedAt", Null),
        f("Events", Coll),
        f("TaskHandle", Null).since(V::task_state_task_handle),
        f("Paused", Str).since(V::task_schedules),
    ],
};

/// `structs.TaskEvent`. `NewTaskEvent` always makes `Details`.
pub static TASK_EVENT: GoStruct = GoStruct {
    name: "TaskEvent",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Type", Str),
        f("Time", Num),
        f("Message", Str),
        f("DisplayMessage", Str),
        f("Details", Map),
        f("FailsTask", Bool),
        f("RestartReason", Str),
        f("SetupError", Str),
        f("DriverError", Str),
        f("ExitCode", Num),
        f("Signal", Num),
        f("KillTimeout", Num),
        f("KillError", Str),
        f("KillReason", Str),
        f("StartDelay", Num),
        f("DownloadError", Str),
        f("ValidationError", Str),
        f("DiskLimit", Num),
        f("FailedSibling", Str),
        f("VaultError", Str),
        f("TaskSignalReason", Str),
        f("TaskSignal", Str),
        f("DriverMessage", Str),
        f("GenericSource", Str),
    ],
};

/// `structs.AllocDeploymentStatus`.
pub static ALLOC_DEPLOYMENT_STATUS: GoStruct = GoStruct {
    name: "AllocDeploymentStatus",
    source: "nomad/structs/structs.go, alloc.go from 1.11",
    omitempty: never,
    fields: &[f("Healthy", Null), f("Timestamp", Null), f("Canary", Bool), f("ModifyIndex", Num)],
};

/// `structs.RescheduleTracker`.
pub static RESCHEDULE_TRACKER: GoStruct = GoStruct {
    name: "RescheduleTracker",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("Events", Coll), f("LastReschedule", Str).since(V::reschedule_tracker_last_reschedule)],
};

/// `structs.RescheduleEvent`.
pub static RESCHEDULE_EVENT: GoStruct = GoStruct {
    name: "RescheduleEvent",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("RescheduleTime", Num), f("PrevAllocID", Str), f("PrevNodeID", Str), f("Delay", Num)],
};

/// `structs.AllocMetric`.
pub static ALLOC_METRIC: GoStruct = GoStruct {
    name: "AllocMetric",
    source: "nomad/structs/structs.go, alloc.go from 1.11",
    omitempty: never,
    fields: &[
        f("NodesEvaluated", Num),
        f("NodesFiltered", Num),
        f("NodesInPool", Num).since(V::node_pools),
        f("NodePool", Str).since(V::alloc_metric_node_pool),
        f("NodesAvailable", Coll),
        f("ClassFiltered", Coll),
        f("ConstraintFiltered", Coll),
        f("NodesExhausted", Num),
        f("ClassExhausted", Coll),
        f("DimensionExhausted", Coll),
        f("QuotaExhausted", Coll),
        f("ResourcesExhausted", Coll),
        f("Scores", Coll),
        f("ScoreMetaData", Coll),
        f("AllocationTime", Num),
        f("CoalescedFailures", Num),
    ],
};

/// `structs.NodeScoreMeta`.
pub static NODE_SCORE_META: GoStruct = GoStruct {
    name: "NodeScoreMeta",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("NodeID", Str), f("Scores", Coll), f("NormScore", Num)],
};

/// `structs.Resources`.
pub static RESOURCES: GoStruct = GoStruct {
    name: "Resources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("CPU", Num),
        f("Cores", Num),
        f("MemoryMB", Num),
        f("MemoryMaxMB", Num),
        f("DiskMB", Num),
        f("IOPS", Num),
        f("Networks", Coll),
        f("Devices", Coll),
        f("NUMA", Null).since(V::numa),
        f("SecretsMB", Num).since(V::resources_secrets_mb),
    ],
};

/// `structs.NetworkResource`.
pub static NETWORK_RESOURCE: GoStruct = GoStruct {
    name: "NetworkResource",
    source: "nomad/structs/structs.go",
    omitempty: V::network_cni,
    fields: &[
        f("Mode", Str),
        f("Device", Str),
        f("CIDR", Str),
        f("IP", Str),
        f("Hostname", Str).omitempty(),
        f("MBits", Num),
        f("DNS", Null),
        f("ReservedPorts", Coll),
        f("DynamicPorts", Coll),
        f("CNI", Null).since(V::network_cni),
    ],
};

/// `structs.Port`.
pub static PORT: GoStruct = GoStruct {
    name: "Port",
    source: "nomad/structs/structs.go",
    omitempty: V::port_ignore_collision,
    fields: &[
        f("Label", Str),
        f("Value", Num),
        f("To", Num),
        f("HostNetwork", Str),
        f("IgnoreCollision", Bool).since(V::port_ignore_collision),
    ],
};

/// `structs.AllocatedResources`. The scheduler makes `TaskLifecycles` with an entry, maybe
/// `null`, for every task (`scheduler/rank.go`).
pub static ALLOCATED_RESOURCES: GoStruct = GoStruct {
    name: "AllocatedResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("Tasks", Coll), f("TaskLifecycles", Coll), f("Shared", Struct("AllocatedSharedResources"))],
};

/// `structs.AllocatedTaskResources`.
pub static ALLOCATED_TASK_RESOURCES: GoStruct = GoStruct {
    name: "AllocatedTaskResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Cpu", Struct("AllocatedCpuResources")),
        f("Memory", Struct("AllocatedMemoryResources")),
        f("Networks", Coll),
        f("Devices", Coll),
    ],
};

/// `structs.AllocatedSharedResources`.
pub static ALLOCATED_SHARED_RESOURCES: GoStruct = GoStruct {
    name: "AllocatedSharedResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("Networks", Coll), f("DiskMB", Num), f("Ports", Coll)],
};

/// `structs.AllocatedCpuResources`.
pub static ALLOCATED_CPU_RESOURCES: GoStruct = GoStruct {
    name: "AllocatedCpuResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("CpuShares", Num), f("ReservedCores", Coll)],
};

/// `structs.AllocatedMemoryResources`.
pub static ALLOCATED_MEMORY_RESOURCES: GoStruct = GoStruct {
    name: "AllocatedMemoryResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("MemoryMB", Num), f("MemoryMaxMB", Num)],
};

/// `structs.AllocatedPortMapping`.
pub static ALLOCATED_PORT_MAPPING: GoStruct = GoStruct {
    name: "AllocatedPortMapping",
    source: "nomad/structs/structs.go",
    omitempty: V::port_ignore_collision,
    fields: &[
        f("Label", Str),
        f("Value", Num),
        f("To", Num),
        f("HostIP", Str),
        f("IgnoreCollision", Bool).since(V::port_ignore_collision),
    ],
};

/// `structs.Job`.
pub static JOB: GoStruct = GoStruct {
    name: "Job",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Stop", Bool),
        f("Region", Str),
        f("Namespace", Str),
        f("ID", Str),
        f("ParentID", Str),
        f("Name", Str),
        f("Type", Str),
        f("Priority", Num),
        f("AllAtOnce", Bool),
        f("Datacenters", Coll),
        f("NodePool", Str).since(V::node_pools),
        f("Constraints", Coll),
        f("Affinities", Coll),
        f("Spreads", Coll),
        f("TaskGroups", Coll),
        f("Update", Struct("UpdateStrategy")),
        f("Multiregion", Null),
        f("Periodic", Null),
        f("ParameterizedJob", Null),
        f("Dispatched", Bool),
        f("DispatchIdempotencyToken", Str),
        f("Payload", Coll),
        f("Meta", Coll),
        f("ConsulToken", Str).since(V::job_consul_vault_tokens),
        f("ConsulNamespace", Str),
        f("VaultToken", Str).since(V::job_consul_vault_tokens),
        f("VaultNamespace", Str),
        f("NomadTokenID", Str),
        f("Status", Str),
        f("StatusDescription", Str),
        f("Stable", Bool),
        f("Version", Num),
        f("SubmitTime", Num),
        f("CreateIndex", Num),
        f("ModifyIndex", Num),
        f("JobModifyIndex", Num),
        f("UI", Null).since(V::job_ui),
        f("VersionTag", Null).since(V::job_version_tag),
    ],
};

/// `structs.UpdateStrategy`.
pub static UPDATE_STRATEGY: GoStruct = GoStruct {
    name: "UpdateStrategy",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Stagger", Num),
        f("MaxParallel", Num),
        f("HealthCheck", Str),
        f("MinHealthyTime", Num),
        f("HealthyDeadline", Num),
        f("ProgressDeadline", Num),
        f("AutoRevert", Bool),
        f("AutoPromote", Bool),
        f("Canary", Num),
    ],
};

/// `structs.TaskGroup` (`Disconnect` is in `group.go`).
pub static TASK_GROUP: GoStruct = GoStruct {
    name: "TaskGroup",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Name", Str),
        f("Count", Num),
        f("Update", Null),
        f("Migrate", Null),
        f("Constraints", Coll),
        f("Scaling", Null),
        f("RestartPolicy", Null),
        f("Disconnect", Null).since(V::group_disconnect),
        f("Tasks", Coll),
        f("EphemeralDisk", Null),
        f("Meta", Coll),
        f("ReschedulePolicy", Null),
        f("Affinities", Coll),
        f("Spreads", Coll),
        f("Networks", Coll),
        f("Consul", Null),
        f("Services", Coll),
        f("Volumes", Coll),
        f("ShutdownDelay", Null),
        f("StopAfterClientDisconnect", Null),
        f("MaxClientDisconnect", Null),
        f("PreventRescheduleOnLost", Bool).since(V::group_prevent_reschedule_on_lost),
    ],
};

/// `structs.MigrateStrategy`.
pub static MIGRATE_STRATEGY: GoStruct = GoStruct {
    name: "MigrateStrategy",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("MaxParallel", Num), f("HealthCheck", Str), f("MinHealthyTime", Num), f("HealthyDeadline", Num)],
};

/// `structs.Task`.
pub static TASK: GoStruct = GoStruct {
    name: "Task",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Name", Str),
        f("Driver", Str),
        f("User", Str),
        f("Config", Coll),
        f("Env", Coll),
        f("Services", Coll),
        f("Vault", Null),
        f("Secrets", Coll).since(V::task_secrets),
        f("Consul", Null).since(V::workload_identities),
        f("Templates", Coll),
        f("Constraints", Coll),
        f("Affinities", Coll),
        f("Resources", Null),
        f("RestartPolicy", Null),
        f("DispatchPayload", Null),
        f("Lifecycle", Null),
        f("Meta", Coll),
        f("KillTimeout", Num),
        f("LogConfig", Null),
        f("Artifacts", Coll),
        f("Leader", Bool),
        f("ShutdownDelay", Num),
        f("VolumeMounts", Coll),
        f("ScalingPolicies", Coll),
        f("KillSignal", Str),
        f("Kind", Str),
        f("CSIPluginConfig", Null),
        f("Identity", Null).since(V::task_identity),
        f("Identities", Coll).since(V::workload_identities),
        f("Actions", Coll).since(V::workload_identities),
        f("Schedule", Null).since(V::task_schedules),
    ],
};

/// `structs.RestartPolicy`.
pub static RESTART_POLICY: GoStruct = GoStruct {
    name: "RestartPolicy",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Attempts", Num),
        f("Interval", Num),
        f("Delay", Num),
        f("Mode", Str),
        f("RenderTemplates", Bool).since(V::restart_policy_render_templates),
    ],
};

/// `structs.ReschedulePolicy`.
pub static RESCHEDULE_POLICY: GoStruct = GoStruct {
    name: "ReschedulePolicy",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Attempts", Num),
        f("Interval", Num),
        f("Delay", Num),
        f("DelayFunction", Str),
        f("MaxDelay", Num),
        f("Unlimited", Bool),
    ],
};

/// `structs.EphemeralDisk`.
pub static EPHEMERAL_DISK: GoStruct = GoStruct {
    name: "EphemeralDisk",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("Sticky", Bool), f("SizeMB", Num), f("Migrate", Bool)],
};

/// `structs.LogConfig`.
pub static LOG_CONFIG: GoStruct = GoStruct {
    name: "LogConfig",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("MaxFiles", Num),
        f("MaxFileSizeMB", Num),
        f("Enabled", Bool).since(V::log_config_enabled),
        f("Disabled", Bool).since(V::log_config_disabled),
    ],
};

/// `structs.TaskLifecycleConfig`.
pub static TASK_LIFECYCLE_CONFIG: GoStruct = GoStruct {
    name: "TaskLifecycleConfig",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("Hook", Str), f("Sidecar", Bool)],
};

/// `structs.WorkloadIdentity` (`nomad/structs/workload_id.go`, 1.5.0).
pub static WORKLOAD_IDENTITY: GoStruct = GoStruct {
    name: "WorkloadIdentity",
    source: "nomad/structs/workload_id.go",
    omitempty: never,
    fields: &[
        f("Name", Str).since(V::workload_identities),
        f("Audience", Coll).since(V::workload_identities),
        f("ChangeMode", Str).since(V::workload_identities),
        f("ChangeSignal", Str).since(V::workload_identities),
        f("Env", Bool),
        f("File", Bool),
        f("Filepath", Str).since(V::identity_filepath),
        f("ServiceName", Str).since(V::workload_identities),
        f("TTL", Num).since(V::workload_identities),
    ],
};

/// `structs.JobListStub`.
pub static JOB_LIST_STUB: GoStruct = GoStruct {
    name: "JobListStub",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("ID", Str),
        f("ParentID", Str),
        f("Name", Str),
        f("Namespace", Str).omitempty(),
        f("Datacenters", Coll),
        f("NodePool", Str).since(V::node_pools),
        f("Multiregion", Null),
        f("Type", Str),
        f("Priority", Num),
        f("Periodic", Bool),
        f("ParameterizedJob", Bool),
        f("Stop", Bool),
        f("Status", Str),
        f("StatusDescription", Str),
        f("JobSummary", Null),
        f("CreateIndex", Num),
        f("ModifyIndex", Num),
        f("JobModifyIndex", Num),
        f("SubmitTime", Num),
        f("Meta", Coll).omitempty().since(V::job_stub_meta),
    ],
};

/// `structs.JobSummary`. The state store makes `Summary` and `Children` with the summary
/// (`nomad/state/state_store.go` `updateSummaryWithJob`).
pub static JOB_SUMMARY: GoStruct = GoStruct {
    name: "JobSummary",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("JobID", Str),
        f("Namespace", Str),
        f("Summary", Map),
        f("Children", Null),
        f("CreateIndex", Num),
        f("ModifyIndex", Num),
    ],
};

/// `structs.TaskGroupSummary`.
pub static TASK_GROUP_SUMMARY: GoStruct = GoStruct {
    name: "TaskGroupSummary",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Queued", Num),
        f("Complete", Num),
        f("Failed", Num),
        f("Running", Num),
        f("Starting", Num),
        f("Lost", Num),
        f("Unknown", Num),
    ],
};

/// `structs.JobChildrenSummary`.
pub static JOB_CHILDREN_SUMMARY: GoStruct = GoStruct {
    name: "JobChildrenSummary",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("Pending", Num), f("Running", Num), f("Dead", Num)],
};

/// `structs.Node`, written through `nodeExt` (`nomad/structs/extensions.go`), which appends
/// the legacy `Drain` (whether a `DrainStrategy` is set). The client makes its maps
/// (`client/client.go` `setupNode`) but `HostNetworks`.
pub static NODE: GoStruct = GoStruct {
    name: "Node",
    source: "nomad/structs/structs.go, extensions.go",
    omitempty: never,
    fields: &[
        f("ID", Str),
        f("SecretID", Str),
        f("Datacenter", Str),
        f("Name", Str),
        f("CgroupParent", Str),
        f("HTTPAddr", Str),
        f("TLSEnabled", Bool),
        f("Attributes", Map),
        f("NodeResources", Null),
        f("ReservedResources", Null),
        f("Resources", Null).since(V::node_legacy_resources),
        f("Reserved", Null).since(V::node_legacy_resources),
        f("Links", Map),
        f("Meta", Map),
        f("NodeClass", Str),
        f("NodePool", Str).since(V::node_pools),
        f("ComputedClass", Str),
        f("DrainStrategy", Null),
        f("SchedulingEligibility", Str),
        f("Status", Str),
        f("StatusDescription", Str),
        f("IdentitySigningKeyID", Str).since(V::node_identity),
        f("StatusUpdatedAt", Num),
        f("Events", Coll),
        f("Drivers", Map),
        f("CSIControllerPlugins", Map),
        f("CSINodePlugins", Map),
        f("HostVolumes", Map),
        f("GCVolumesOnNodeGC", Bool).since(V::node_max_allocs),
        f("HostNetworks", Coll),
        f("LastDrain", Null),
        f("NodeMaxAllocs", Num).since(V::node_max_allocs),
        f("LastMissedHeartbeatIndex", Num).since(V::node_heartbeat_indexes),
        f("LastAllocUpdateIndex", Num).since(V::node_heartbeat_indexes),
        f("CreateIndex", Num),
        f("ModifyIndex", Num),
        f("Drain", Bool),
    ],
};

/// `structs.NodeListStub`.
pub static NODE_LIST_STUB: GoStruct = GoStruct {
    name: "NodeListStub",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Address", Str),
        f("ID", Str),
        f("Attributes", Coll).omitempty(),
        f("Datacenter", Str),
        f("Name", Str),
        f("NodePool", Str).since(V::node_pools),
        f("NodeClass", Str),
        f("Version", Str),
        f("Drain", Bool),
        f("SchedulingEligibility", Str),
        f("Status", Str),
        f("StatusDescription", Str),
        f("Drivers", Map),
        f("HostVolumes", Map),
        f("NodeResources", Null).omitempty(),
        f("ReservedResources", Null).omitempty(),
        f("LastDrain", Null),
        f("CreateIndex", Num),
        f("ModifyIndex", Num),
    ],
};

/// `structs.NodeResources`.
pub static NODE_RESOURCES: GoStruct = GoStruct {
    name: "NodeResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Cpu", Struct("NodeCpuResources")),
        f("Processors", Struct("NodeProcessorResources")).since(V::numa),
        f("Memory", Struct("NodeMemoryResources")),
        f("Disk", Struct("NodeDiskResources")),
        f("Devices", Coll),
        f("NodeNetworks", Coll),
        f("Networks", Coll),
        f("MinDynamicPort", Num),
        f("MaxDynamicPort", Num),
    ],
};

/// `structs.NodeCpuResources`, `LegacyNodeCpuResources` (`numa.go`) from 1.7.
pub static NODE_CPU_RESOURCES: GoStruct = GoStruct {
    name: "NodeCpuResources",
    source: "nomad/structs/structs.go, numa.go from 1.7",
    omitempty: never,
    fields: &[f("CpuShares", Num), f("TotalCpuCores", Num), f("ReservableCpuCores", Coll)],
};

/// `structs.NodeProcessorResources` (`nomad/structs/numa.go`, 1.7.0).
pub static NODE_PROCESSOR_RESOURCES: GoStruct = GoStruct {
    name: "NodeProcessorResources",
    source: "nomad/structs/numa.go",
    omitempty: never,
    fields: &[f("Topology", Null)],
};

/// `structs.NodeMemoryResources`.
pub static NODE_MEMORY_RESOURCES: GoStruct = GoStruct {
    name: "NodeMemoryResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("MemoryMB", Num)],
};

/// `structs.NodeDiskResources`.
pub static NODE_DISK_RESOURCES: GoStruct = GoStruct {
    name: "NodeDiskResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("DiskMB", Num)],
};

/// `structs.NodeReservedResources`.
pub static NODE_RESERVED_RESOURCES: GoStruct = GoStruct {
    name: "NodeReservedResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Cpu", Struct("NodeReservedCpuResources")),
        f("Memory", Struct("NodeReservedMemoryResources")),
        f("Disk", Struct("NodeReservedDiskResources")),
        f("Networks", Struct("NodeReservedNetworkResources")),
    ],
};

/// `structs.NodeReservedCpuResources`.
pub static NODE_RESERVED_CPU_RESOURCES: GoStruct = GoStruct {
    name: "NodeReservedCpuResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("CpuShares", Num), f("ReservedCpuCores", Coll)],
};

/// `structs.NodeReservedMemoryResources`.
pub static NODE_RESERVED_MEMORY_RESOURCES: GoStruct = GoStruct {
    name: "NodeReservedMemoryResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("MemoryMB", Num)],
};

/// `structs.NodeReservedDiskResources`.
pub static NODE_RESERVED_DISK_RESOURCES: GoStruct = GoStruct {
    name: "NodeReservedDiskResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("DiskMB", Num)],
};

/// `structs.NodeReservedNetworkResources`.
pub static NODE_RESERVED_NETWORK_RESOURCES: GoStruct = GoStruct {
    name: "NodeReservedNetworkResources",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("ReservedHostPorts", Str)],
};

/// `structs.DriverInfo` (`nomad/structs/node.go`).
pub static DRIVER_INFO: GoStruct = GoStruct {
    name: "DriverInfo",
    source: "nomad/structs/node.go",
    omitempty: never,
    fields: &[
        f("Attributes", Coll),
        f("Detected", Bool),
        f("Healthy", Bool),
        f("HealthDescription", Str),
        f("UpdateTime", Null),
    ],
};

/// `structs.NodeEvent`.
pub static NODE_EVENT: GoStruct = GoStruct {
    name: "NodeEvent",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("Message", Str), f("Subsystem", Str), f("Details", Coll), f("Timestamp", Null), f("CreateIndex", Num)],
};

/// `structs.Namespace`.
pub static NAMESPACE: GoStruct = GoStruct {
    name: "Namespace",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[
        f("Name", Str),
        f("Description", Str),
        f("Quota", Str),
        f("Capabilities", Null),
        f("NodePoolConfiguration", Null).since(V::node_pools),
        f("VaultConfiguration", Null).since(V::workload_identities),
        f("ConsulConfiguration", Null).since(V::workload_identities),
        f("Meta", Coll),
        f("Hash", Coll),
        f("CreateIndex", Num),
        f("ModifyIndex", Num),
    ],
};

/// `structs.ServerMember` (`/v1/agent/members`), and the same fields of `agent.Member`
/// (`command/agent/agent_endpoint.go`, `/v1/agent/self`).
pub static AGENT_MEMBER: GoStruct = GoStruct {
    name: "AgentMember",
    source: "nomad/structs/structs.go, command/agent/agent_endpoint.go",
    omitempty: never,
    fields: &[
        f("Name", Str),
        f("Addr", Null),
        f("Port", Num),
        f("Tags", Coll),
        f("Status", Str),
        f("ProtocolMin", Num),
        f("ProtocolMax", Num),
        f("ProtocolCur", Num),
        f("DelegateMin", Num),
        f("DelegateMax", Num),
        f("DelegateCur", Num),
    ],
};

/// `structs.ServerMembersResponse`.
pub static SERVER_MEMBERS: GoStruct = GoStruct {
    name: "ServerMembers",
    source: "nomad/structs/structs.go",
    omitempty: never,
    fields: &[f("ServerName", Str), f("ServerRegion", Str), f("ServerDC", Str), f("Members", Coll)],
};

/// Every struct [`Wire`] shapes.
pub static STRUCTS: &[&GoStruct] = &[
    &ALLOCATION,
    &ALLOC_LIST_STUB,
    &DESIRED_TRANSITION,
    &TASK_STATE,
    &TASK_EVENT,
    &ALLOC_DEPLOYMENT_STATUS,
    &RESCHEDULE_TRACKER,
    &RESCHEDULE_EVENT,
    &ALLOC_METRIC,
    &NODE_SCORE_META,
    &RESOURCES,
    &NETWORK_RESOURCE,
    &PORT,
    &ALLOCATED_RESOURCES,
    &ALLOCATED_TASK_RESOURCES,
    &ALLOCATED_SHARED_RESOURCES,
    &ALLOCATED_CPU_RESOURCES,
    &ALLOCATED_MEMORY_RESOURCES,
    &ALLOCATED_PORT_MAPPING,
    &JOB,
    &UPDATE_STRATEGY,
    &TASK_GROUP,
    &MIGRATE_STRATEGY,
    &TASK,
    &RESTART_POLICY,
    &RESCHEDULE_POLICY,
    &EPHEMERAL_DISK,
    &LOG_CONFIG,
    &TASK_LIFECYCLE_CONFIG,
    &WORKLOAD_IDENTITY,
    &JOB_LIST_STUB,
    &JOB_SUMMARY,
    &TASK_GROUP_SUMMARY,
    &JOB_CHILDREN_SUMMARY,
    &NODE,
    &NODE_LIST_STUB,
    &NODE_RESOURCES,
    &NODE_CPU_RESOURCES,
    &NODE_PROCESSOR_RESOURCES,
    &NODE_MEMORY_RESOURCES,
    &NODE_DISK_RESOURCES,
    &NODE_RESERVED_RESOURCES,
    &NODE_RESERVED_CPU_RESOURCES,
    &NODE_RESERVED_MEMORY_RESOURCES,
    &NODE_RESERVED_DISK_RESOURCES,
    &NODE_RESERVED_NETWORK_RESOURCES,
    &DRIVER_INFO,
    &NODE_EVENT,
    &NAMESPACE,
    &AGENT_MEMBER,
    &SERVER_MEMBERS,
];

/// The struct serde names `name`.
pub fn go_struct(name: &str) -> Option<&'static GoStruct> {
    // Looked up for every struct written (tens of thousands in a long list): by binary search.
    static BY_NAME: std::sync::OnceLock<Vec<&'static GoStruct>> = std::sync::OnceLock::new();
    let by_name = BY_NAME.get_or_init(|| {
        let mut all = STRUCTS.to_vec();
        all.sort_by_key(|s| s.name);
        all
    });
    by_name.binary_search_by(|s| s.name.cmp(name)).ok().map(|i| by_name[i])
}

/// `value` as release `version` writes it (see the module's documentation).
pub struct Wire<'a, T: ?Sized> {
    value: &'a T,
    version: NomadVersion,
}

impl<'a, T: ?Sized> Wire<'a, T> {
    /// Writes `value` as Nomad release `version` would.
    pub fn new(value: &'a T, version: NomadVersion) -> Self {
        Wire { value, version }
    }
}

impl<T: Serialize + ?Sized> Serialize for Wire<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(Shaper { inner: serializer, version: self.version })
    }
}

/// Passes everything to `inner`, shaping every struct on the way down.
struct Shaper<S> {
    inner: S,
    version: NomadVersion,
}

macro_rules! forward {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<S::Ok, S::Error> { self.inner.$method(v) })*
    };
}

impl<S: Serializer> Serializer for Shaper<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Each<S::SerializeSeq>;
    type SerializeTuple = Each<S::SerializeTuple>;
    type SerializeTupleStruct = Each<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Each<S::SerializeTupleVariant>;
    type SerializeMap = Each<S::SerializeMap>;
    type SerializeStruct = Shaped<S::SerializeStruct>;
    type SerializeStructVariant = Each<S::SerializeStructVariant>;

    forward!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
    );

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_none()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(&Wire::new(value, self.version))
    }

    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit()
    }

    fn serialize_unit_variant(self, name: &'static str, index: u32, variant: &'static str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit_variant(name, index, variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_newtype_struct(name, &Wire::new(value, self.version))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_newtype_variant(name, index, variant, &Wire::new(value, self.version))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Ok(Each { inner: self.inner.serialize_seq(len)?, version: self.version })
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        Ok(Each { inner: self.inner.serialize_tuple(len)?, version: self.version })
    }

    fn serialize_tuple_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeTupleStruct, S::Error> {
        Ok(Each { inner: self.inner.serialize_tuple_struct(name, len)?, version: self.version })
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Ok(Each { inner: self.inner.serialize_tuple_variant(name, index, variant, len)?, version: self.version })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Ok(Each { inner: self.inner.serialize_map(len)?, version: self.version })
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeStruct, S::Error> {
        let schema = go_struct(name);
        let len = schema.map_or(len, |s| s.fields.len());
        let omitempty = schema.is_some_and(|s| (s.omitempty)(self.version));
        let inner = self.inner.serialize_struct(name, len)?;
        Ok(Shaped { inner, schema, version: self.version, omitempty, written: 0, next: 0 })
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Ok(Each { inner: self.inner.serialize_struct_variant(name, index, variant, len)?, version: self.version })
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// A collection whose elements are shaped too.
struct Each<C> {
    inner: C,
    version: NomadVersion,
}

impl<C: ser::SerializeSeq> ser::SerializeSeq for Each<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_element(&Wire::new(value, self.version))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTuple> ser::SerializeTuple for Each<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_element(&Wire::new(value, self.version))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTupleStruct> ser::SerializeTupleStruct for Each<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_field(&Wire::new(value, self.version))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTupleVariant> ser::SerializeTupleVariant for Each<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_field(&Wire::new(value, self.version))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeMap> ser::SerializeMap for Each<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        self.inner.serialize_key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_value(&Wire::new(value, self.version))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeStructVariant> ser::SerializeStructVariant for Each<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_field(key, &Wire::new(value, self.version))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

/// A struct written with the field set of its Go struct in one release.
struct Shaped<C> {
    inner: C,
    schema: Option<&'static GoStruct>,
    version: NomadVersion,
    /// Whether the struct omits its empty fields in this release.
    omitempty: bool,
    /// The schema's fields the Rust value has written (or left out on purpose).
    written: u64,
    /// Where to look for the next field.
    next: usize,
}

impl<C: ser::SerializeStruct> ser::SerializeStruct for Shaped<C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), C::Error> {
        let wired = Wire::new(value, self.version);
        let Some(schema) = self.schema else { return self.inner.serialize_field(key, &wired) };
        // A field Nomad does not have is the Rust type's mistake; it goes out as it is, and
        // the tests of this module catch it.
        let Some(at) = schema.find(key, self.next) else { return self.inner.serialize_field(key, &wired) };
        self.next = at + 1;
        self.written |= 1 << at;
        let field = &schema.fields[at];
        if !field.in_release(self.version) {
            return self.inner.skip_field(key);
        }
        let omitempty = field.omitempty || self.omitempty;
        // Only these need to know the value's shape first; a Rust `None` is already `null`.
        if omitempty || field.kind == Coll {
            let shape = probe(value);
            if omitempty && shape != Shape::Value {
                return self.inner.skip_field(key);
            }
            if field.kind == Coll && shape == Shape::EmptyCollection {
                return self.inner.serialize_field(key, &Zero { kind: Null, version: self.version });
            }
        }
        self.inner.serialize_field(key, &wired)
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        // Left out by the Rust type (`skip_serializing_if`): Nomad writes its zero value,
        // which `end` adds.
        self.inner.skip_field(key)
    }

    fn end(mut self) -> Result<C::Ok, C::Error> {
        if let Some(schema) = self.schema {
            if !self.omitempty {
                for (i, field) in schema.fields.iter().enumerate() {
                    if self.written & (1 << i) == 0 && field.in_release(self.version) && !field.omitempty {
                        self.inner.serialize_field(field.name, &Zero { kind: field.kind, version: self.version })?;
                    }
                }
            }
        }
        self.inner.end()
    }
}

/// The zero value of a field, as Nomad writes it.
struct Zero {
    kind: Kind,
    version: NomadVersion,
}

impl Serialize for Zero {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::{SerializeMap, SerializeSeq, SerializeStruct};
        match self.kind {
            Str => s.serialize_str(""),
            Num => s.serialize_u64(0),
            Bool => s.serialize_bool(false),
            Null | Coll => s.serialize_none(),
            List => s.serialize_seq(Some(0))?.end(),
            Map => s.serialize_map(Some(0))?.end(),
            Struct(name) => match go_struct(name) {
                Some(schema) => {
                    let mut out = s.serialize_struct(schema.name, schema.fields.len())?;
                    if !(schema.omitempty)(self.version) {
                        for field in schema.fields.iter().filter(|f| f.in_release(self.version) && !f.omitempty) {
                            out.serialize_field(field.name, &Zero { kind: field.kind, version: self.version })?;
                        }
                    }
                    out.end()
                }
                None => s.serialize_map(Some(0))?.end(),
            },
        }
    }
}

/// What a value is, as far as Go's emptiness goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `None` or unit: a nil pointer or zero time.
    Null,
    /// A sequence or map of no elements.
    EmptyCollection,
    /// `""`, `0`, `false`, or a struct of empty fields.
    Zero,
    Value,
}

fn probe<T: Serialize + ?Sized>(value: &T) -> Shape {
    match value.serialize(Probe) {
        Ok(shape) | Err(Decided(shape)) => shape,
    }
}

/// Finds a value's [`Shape`] without writing it, stopping (with `Err`) as soon as it knows.
struct Probe;

#[derive(Debug)]
struct Decided(Shape);

impl fmt::Display for Decided {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::error::Error for Decided {}

impl ser::Error for Decided {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Decided(Shape::Value)
    }
}

fn zero_if(empty: bool) -> Result<Shape, Decided> {
    Ok(if empty { Shape::Zero } else { Shape::Value })
}

fn collection(len: Option<usize>) -> Result<ProbeItems, Decided> {
    match len {
        Some(0) => Err(Decided(Shape::EmptyCollection)),
        Some(_) => Err(Decided(Shape::Value)),
        None => Ok(ProbeItems),
    }
}

impl Serializer for Probe {
    type Ok = Shape;
    type Error = Decided;
    type SerializeSeq = ProbeItems;
    type SerializeTuple = ser::Impossible<Shape, Decided>;
    type SerializeTupleStruct = ser::Impossible<Shape, Decided>;
    type SerializeTupleVariant = ser::Impossible<Shape, Decided>;
    type SerializeMap = ProbeItems;
    type SerializeStruct = ProbeFields;
    type SerializeStructVariant = ser::Impossible<Shape, Decided>;

    fn serialize_bool(self, v: bool) -> Result<Shape, Decided> {
        zero_if(!v)
    }
    fn serialize_i8(self, v: i8) -> Result<Shape, Decided> {
        zero_if(v == 0)
    }
    fn serialize_i16(self, v: i16) -> Result<Shape, Decided> {
        zero_if(v == 0)
    }
    fn serialize_i32(self, v: i32) -> Result<Shape, Decided> {
        zero_if(v == 0)
    }
    fn serialize_i64(self, v: i64) -> Result<Shape, Decided> {
        zero_if(v == 0)
    }
    fn serialize_u8(self, v: u8) -> Result<Shape, Decided> {
        zero_if(v == 0)
    }
    fn serialize_u16(self, v: u16) -> Result<Shape, Decided> {
        zero_if(v == 0)
    }
    fn serialize_u32(self, v: u32) -> Result<Shape, Decided> {
        zero_if(v == 0)
    }
    fn serialize_u64(self, v: u64) -> Result<Shape, Decided> {
        zero_if(v == 0)
    }
    fn serialize_f32(self, v: f32) -> Result<Shape, Decided> {
        zero_if(v == 0.0)
    }
    fn serialize_f64(self, v: f64) -> Result<Shape, Decided> {
        zero_if(v == 0.0)
    }
    fn serialize_char(self, _: char) -> Result<Shape, Decided> {
        Ok(Shape::Value)
    }
    fn serialize_str(self, v: &str) -> Result<Shape, Decided> {
        zero_if(v.is_empty())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Shape, Decided> {
        Ok(if v.is_empty() { Shape::EmptyCollection } else { Shape::Value })
    }
    fn serialize_none(self) -> Result<Shape, Decided> {
        Ok(Shape::Null)
    }
    /// A Go pointer that is not nil is never empty; an optional Rust collection is empty
    /// when the collection is (Go has no pointers to slices or maps here).
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Shape, Decided> {
        Ok(match probe(value) {
            Shape::EmptyCollection => Shape::EmptyCollection,
            _ => Shape::Value,
        })
    }
    fn serialize_unit(self) -> Result<Shape, Decided> {
        Ok(Shape::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Shape, Decided> {
        Ok(Shape::Zero)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<Shape, Decided> {
        Ok(Shape::Value)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<Shape, Decided> {
        value.serialize(Probe)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Shape, Decided> {
        Ok(Shape::Value)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<ProbeItems, Decided> {
        collection(len)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Decided> {
        Err(Decided(Shape::Value))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Decided> {
        Err(Decided(Shape::Value))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Decided> {
        Err(Decided(Shape::Value))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<ProbeItems, Decided> {
        collection(len)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<ProbeFields, Decided> {
        Ok(ProbeFields)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Decided> {
        Err(Decided(Shape::Value))
    }
}

/// A collection of unknown length: empty unless an element comes.
struct ProbeItems;

impl ser::SerializeSeq for ProbeItems {
    type Ok = Shape;
    type Error = Decided;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Decided> {
        Err(Decided(Shape::Value))
    }
    fn end(self) -> Result<Shape, Decided> {
        Ok(Shape::EmptyCollection)
    }
}

impl ser::SerializeMap for ProbeItems {
    type Ok = Shape;
    type Error = Decided;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Decided> {
        Err(Decided(Shape::Value))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Decided> {
        Err(Decided(Shape::Value))
    }
    fn end(self) -> Result<Shape, Decided> {
        Ok(Shape::EmptyCollection)
    }
}

/// A nested non-pointer struct is empty when all its fields are.
struct ProbeFields;

impl ser::SerializeStruct for ProbeFields {
    type Ok = Shape;
    type Error = Decided;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &'static str, value: &T) -> Result<(), Decided> {
        match probe(value) {
            Shape::Value => Err(Decided(Shape::Value)),
            _ => Ok(()),
        }
    }
    fn end(self) -> Result<Shape, Decided> {
        Ok(Shape::Zero)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::{json, Value};

    fn v(text: &str) -> NomadVersion {
        NomadVersion::parse_any(text).unwrap()
    }

    #[derive(Serialize, Default)]
    #[serde(rename_all = "PascalCase")]
    struct TaskState {
        state: String,
        failed: bool,
        started_at: Option<String>,
        events: Vec<u8>,
    }

    #[derive(Serialize, Default)]
    #[serde(rename = "Allocation", rename_all = "PascalCase")]
    struct Allocation {
        #[serde(rename = "ID")]
        id: String,
        job: Option<u8>,
        desired_transition: DesiredTransition,
        task_states: std::collections::BTreeMap<String, TaskState>,
        create_index: u64,
    }

    #[derive(Serialize, Default)]
    #[serde(rename_all = "PascalCase")]
    struct DesiredTransition {
        migrate: Option<bool>,
    }

    fn wire<T: Serialize>(value: &T, version: &str) -> Value {
        serde_json::to_value(Wire::new(value, v(version))).unwrap()
    }

    #[test]
    fn fills_go_zero_values_and_nulls_nil_collections() {
        // nomad/structs/structs.go TaskState: no omitempty; TaskHandle until 1.9, Paused from 1.8.
        let ts = TaskState { state: "pending".into(), ..Default::default() };
        assert_eq!(
            wire(&ts, "1.4.0"),
            json!({"State": "pending", "Failed": false, "StartedAt": null, "Events": null,
                   "Restarts": 0, "LastRestart": null, "FinishedAt": null, "TaskHandle": null})
        );
        let at_111 = wire(&ts, "1.11.3");
        assert_eq!(at_111["Paused"], json!(""));
        assert!(at_111.get("TaskHandle").is_none());
    }

    #[test]
    fn omit_empty_structs_drop_every_empty_field() {
        // nomad/structs/alloc.go Allocation: `_struct bool codec:",omitempty"`; a
        // DesiredTransition of nil pointers is empty, a non-nil pointer never is.
        let alloc = Allocation { id: "a".into(), ..Default::default() };
        assert_eq!(wire(&alloc, "1.11.3"), json!({"ID": "a"}));
        let alloc = Allocation {
            id: "a".into(),
            job: Some(0),
            desired_transition: DesiredTransition { migrate: Some(false) },
            task_states: [("t".to_string(), TaskState::default())].into(),
            create_index: 7,
        };
        let got = wire(&alloc, "1.11.3");
        assert_eq!(got["Job"], json!(0));
        assert_eq!(
            got["DesiredTransition"],
            json!({"Migrate": false, "Reschedule": null, "ForceReschedule": null, "NoShutdownDelay": null, "MigrateDisablePlacement": null})
        );
        assert_eq!(got["TaskStates"]["t"]["Events"], Value::Null);
        assert_eq!(got["CreateIndex"], json!(7));
        assert_eq!(wire(&alloc, "1.4.0")["DesiredTransition"].as_object().unwrap().len(), 4);
    }

    #[test]
    fn zero_structs_are_written_whole() {
        #[derive(Serialize)]
        #[serde(rename = "AllocatedResources")]
        struct Partial {}
        assert_eq!(
            wire(&Partial {}, "1.4.0"),
            json!({"Tasks": null, "TaskLifecycles": null, "Shared": {"Networks": null, "DiskMB": 0, "Ports": null}})
        );
    }

    #[test]
    fn every_table_fits_and_names_are_unique() {
        let mut names = std::collections::BTreeSet::new();
        for s in STRUCTS {
            assert!(s.fields.len() < 64, "{}", s.name);
            assert!(names.insert(s.name), "{} twice", s.name);
            let mut fields = std::collections::BTreeSet::new();
            for field in s.fields {
                assert!(fields.insert(field.name), "{}.{} twice", s.name, field.name);
                if let Struct(inner) = field.kind {
                    assert!(go_struct(inner).is_some(), "{}.{}: no table for {inner}", s.name, field.name);
                }
            }
        }
    }
}
