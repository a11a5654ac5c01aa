//! The `Diffs` of `GET /v1/job/:id/versions?diffs=true`: what changed between a job's
//! versions, computed as Nomad's `nomad/structs/diff.go` computes them (`Job.Diff`,
//! `TaskGroup.Diff`, `Task.Diff`), so that a tool reading the local agent sees the shape and
//! the strings a real cluster sends.
//!
//! `Job.GetJobVersions` (`nomad/job_endpoint.go`, v1.4.0 to v1.11.3) diffs each version
//! against the next older one, newest first, with `contextual` set: changed nested objects
//! carry their unchanged fields too (type `None`), while the job's, groups' and tasks' own
//! fields list only the changed ones. Diff.go reads Go structs through `helper/flatmap`
//! (`Flatten` with `primitiveOnly`): a struct's bool, integer and string fields, and the
//! string entries of its maps as `Name[key]`; pointers, slices and nested structs are left to
//! their own diffs. Values are Go's `%v`: `true`/`false`, integers in decimal (a
//! `time.Duration` in nanoseconds), and task `Config` numbers as the `float64` that JSON
//! decoding made of them (`1e+06`). Here the structs are read in the JSON form a release
//! writes them in ([`crate::wire::Wire`]), whose tables name every Go field of that release:
//! fields the agent does not model read as Go's zero value, as Nomad would read them.
//!
//! Diffed as diff.go does: the job's fields (less the filtered ones, such as `Version` and
//! `SubmitTime`) and `Meta`, `Datacenters`, job, group and task `Constraint`s and
//! `Affinity`s, `Periodic` (`periodicDiff` from 1.7.0) and `ParameterizedJob`; groups added,
//! deleted and edited, their `Count`, `Meta` and other fields, `RestartPolicy`, `Migrate`
//! (1.10.0+), `ReschedulePolicy`, `EphemeralDisk`, `Update`; tasks added, deleted and
//! edited, their `Driver`, `User`, `Env`, `Meta`, `KillTimeout` and other fields, `Config`,
//! `Resources`, `LogConfig`, task `Service`s (`findServiceMatch`; their fields, `Tags`,
//! `CanaryTags`, `Check`s with `Header` and `CheckRestart`, `Identity` from 1.7.0,
//! `Weights` from 1.9.2), `Identity` (1.5.0+). Spreads, task `Lifecycle` and task
//! `RestartPolicy` are diffed by no release (a change shows only as an edited group or
//! task). Not diffed here yet, though Nomad diffs them: a service's `Connect` block,
//! networks and devices inside `Resources`, and the blocks the agent does not model (group
//! services and networks, templates, artifacts, vault, volumes, scaling, ...): a change to
//! one of these shows only as an edited group or task.

use crate::job::Job;
use crate::serde_util::{nullable, nullable_values};
use crate::version::NomadVersion;
use crate::wire::{self, Field, GoStruct, Kind, Wire};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// `structs.DiffType`: how an object or field changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffType {
    /// Unchanged (listed for context inside a changed object).
    #[default]
    None,
    /// Only in the newer version.
    Added,
    /// Only in the older version.
    Deleted,
    /// In both, with a different value.
    Edited,
}

/// The type of a diff of an object present on `old`'s side, `new`'s, or both (`None`: no
/// change), as every `*Diff` function of `diff.go` begins.
fn diff_type<T: PartialEq + ?Sized>(old: Option<&T>, new: Option<&T>) -> Option<DiffType> {
    match (old, new) {
        _ if old == new => None,
        (None, _) => Some(DiffType::Added),
        (_, None) => Some(DiffType::Deleted),
        _ => Some(DiffType::Edited),
    }
}

impl DiffType {
    /// diff.go's `DiffType.Less` (a reverse sort): Edited, Added, Deleted, then None.
    fn rank(self) -> u8 {
        match self {
            DiffType::Edited => 0,
            DiffType::Added => 1,
            DiffType::Deleted => 2,
            DiffType::None => 3,
        }
    }
}

/// `structs.FieldDiff`: one primitive field (or one entry of a map or string set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FieldDiff {
    /// How it changed.
    #[serde(rename = "Type")]
    pub kind: DiffType,
    /// The flattened name: `Count`, `Meta[owner]`, `args[0]`.
    pub name: String,
    /// The older value as Go's `%v` writes it; empty when added.
    pub old: String,
    /// The newer value; empty when deleted.
    pub new: String,
    /// Set by the plan endpoint (`forces create/destroy update`); never by versions.
    #[serde(deserialize_with = "nullable", serialize_with = "nil_if_empty")]
    pub annotations: Vec<String>,
}

/// `structs.ObjectDiff`: a nested block (`Resources`, `Constraint`, `Datacenters`...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ObjectDiff {
    /// How it changed.
    #[serde(rename = "Type")]
    pub kind: DiffType,
    /// The block's name in diff.go.
    pub name: String,
    /// Its fields, sorted by name (unchanged ones too, as `None`).
    #[serde(deserialize_with = "nullable", serialize_with = "nil_if_empty")]
    pub fields: Vec<FieldDiff>,
    /// Blocks inside it.
    #[serde(deserialize_with = "nullable", serialize_with = "nil_if_empty")]
    pub objects: Vec<ObjectDiff>,
}

/// `structs.TaskDiff`: one task of a group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskDiff {
    /// How the task changed.
    #[serde(rename = "Type")]
    pub kind: DiffType,
    /// The task's name.
    pub name: String,
    /// Its changed primitive fields, `Env[...]` and `Meta[...]` entries.
    #[serde(deserialize_with = "nullable", serialize_with = "nil_if_empty")]
    pub fields: Vec<FieldDiff>,
    /// Its changed blocks, in diff.go's order (not sorted).
    #[serde(deserialize_with = "nullable", serialize_with = "nil_if_empty")]
    pub objects: Vec<ObjectDiff>,
    /// Set by the plan endpoint; never by versions.
    #[serde(deserialize_with = "nullable", serialize_with = "nil_if_empty")]
    pub annotations: Vec<String>,
}

/// `structs.TaskGroupDiff`: one group of the job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskGroupDiff {
    /// How the group changed.
    #[serde(rename = "Type")]
    pub kind: DiffType,
    /// The group's name.
    pub name: String,
    /// Its changed primitive fields and `Meta[...]` entries.
    #[serde(deserialize_with = "nullable", serialize_with = "nil_if_empty")]
    pub fields: Vec<FieldDiff>,
    /// Its changed blocks, in diff.go's order (not sorted).
    #[serde(deserialize_with = "nullable", serialize_with = "nil_if_empty")]
    pub objects: Vec<ObjectDiff>,
    /// Every task of either version, by name.
    #[serde(deserialize_with = "nullable", serialize_with = "nil_if_empty")]
    pub tasks: Vec<TaskDiff>,
    /// Placement counts set by the plan endpoint; `null` in versions.
    #[serde(deserialize_with = "nullable_values", serialize_with = "nil_if_empty_map")]
    pub updates: BTreeMap<String, u64>,
}

/// `structs.JobDiff`: what changed from one version of a job to another.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobDiff {
    /// `Edited` when anything below changed, else `None`.
    #[serde(rename = "Type")]
    pub kind: DiffType,
    /// `ID`: the job's.
    #[serde(rename = "ID")]
    pub id: String,
    /// The job's changed primitive fields and `Meta[...]` entries.
    #[serde(deserialize_with = "nullable", serialize_with = "nil_if_empty")]
    pub fields: Vec<FieldDiff>,
    /// Its changed blocks: `Datacenters`, then `Constraint`s, then `Affinity`s.
    #[serde(deserialize_with = "nullable", serialize_with = "nil_if_empty")]
    pub objects: Vec<ObjectDiff>,
    /// Every group of either version, by name.
    #[serde(deserialize_with = "nullable", serialize_with = "nil_if_empty")]
    pub task_groups: Vec<TaskGroupDiff>,
}

/// Why two versions could not be diffed; the text is diff.go's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffError(pub String);

impl fmt::Display for DiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DiffError {}

/// Go appends to nil slices and leaves them nil when nothing was appended: `null`.
fn nil_if_empty<S: Serializer, T: Serialize>(items: &[T], s: S) -> Result<S::Ok, S::Error> {
    if items.is_empty() {
        s.serialize_none()
    } else {
        s.collect_seq(items)
    }
}

fn nil_if_empty_map<S: Serializer>(map: &BTreeMap<String, u64>, s: S) -> Result<S::Ok, S::Error> {
    if map.is_empty() {
        s.serialize_none()
    } else {
        s.collect_map(map)
    }
}

/// The `Diffs` of `Job.GetJobVersions` (`nomad/job_endpoint.go`): `versions` newest first,
/// each diffed against the next older one (the oldest against none), or every one against
/// version `against` when it is given (`diff_version`, 1.9+). Empty with a single version.
pub fn version_diffs(versions: &[Job], against: Option<u64>, version: NomadVersion) -> Result<Vec<JobDiff>, DiffError> {
    let compare = match against {
        Some(number) => Some(
            versions
                .iter()
                .find(|j| j.version == number)
                .ok_or_else(|| DiffError(format!("version {number} not found")))?,
        ),
        None => None,
    };
    let mut diffs = Vec::new();
    for (i, new) in versions.iter().enumerate() {
        let old = match (compare, versions.get(i + 1)) {
            (Some(old), _) | (None, Some(old)) => old,
            (None, None) => break,
        };
        diffs.push(job_diff(old, new, version)?);
    }
    Ok(diffs)
}

/// `Job.Diff(other, contextual=true)`: what changed from `old` to `new`, as release
/// `version` writes the two jobs.
pub fn job_diff(old: &Job, new: &Job, version: NomadVersion) -> Result<JobDiff, DiffError> {
    if old.id != new.id {
        return Err(DiffError(format!("can not diff jobs with different IDs: {:?} and {:?}", old.id, new.id)));
    }
    let old = to_wire(old, version)?;
    let new = to_wire(new, version)?;
    Ok(JobDiffer { version, contextual: true }.job(&old, &new))
}

fn to_wire(job: &Job, version: NomadVersion) -> Result<Value, DiffError> {
    serde_json::to_value(Wire::new(job, version)).map_err(|e| DiffError(format!("failed to encode job: {e}")))
}

/// Flattened fields, as `helper/flatmap.Flatten` makes them (key order is irrelevant: every
/// list of fields is sorted).
type Flat = BTreeMap<String, String>;

/// `structs.Constraint` (`LTarget`, `RTarget`, `Operand`; the unexported `str` is filtered).
static CONSTRAINT: GoStruct = GoStruct {
    name: "Constraint",
    source: "nomad/structs/structs.go",
    omitempty: |_| false,
    fields: &[field("LTarget", Kind::Str), field("RTarget", Kind::Str), field("Operand", Kind::Str)],
};

/// `structs.Affinity` (`Weight` is an `int8`).
static AFFINITY: GoStruct = GoStruct {
    name: "Affinity",
    source: "nomad/structs/structs.go",
    omitempty: |_| false,
    fields: &[
        field("LTarget", Kind::Str),
        field("RTarget", Kind::Str),
        field("Operand", Kind::Str),
        field("Weight", Kind::Num),
    ],
};

/// `structs.PeriodicConfig` (the unexported `location` is a pointer, never flattened).
static PERIODIC_CONFIG: GoStruct = GoStruct {
    name: "PeriodicConfig",
    source: "nomad/structs/structs.go",
    omitempty: |_| false,
    fields: &[
        field("Enabled", Kind::Bool),
        field("Spec", Kind::Str),
        Field { present: Some(NomadVersion::periodic_specs), ..field("Specs", Kind::Collection) },
        field("SpecType", Kind::Str),
        field("ProhibitOverlap", Kind::Bool),
        field("TimeZone", Kind::Str),
    ],
};

/// `structs.ParameterizedJobConfig`.
static PARAMETERIZED_JOB_CONFIG: GoStruct = GoStruct {
    name: "ParameterizedJobConfig",
    source: "nomad/structs/structs.go",
    omitempty: |_| false,
    fields: &[
        field("Payload", Kind::Str),
        field("MetaRequired", Kind::Collection),
        field("MetaOptional", Kind::Collection),
    ],
};

/// `structs.Service` (`nomad/structs/services.go`); `Connect`, `Identity` and `Weights`
/// are pointers, `Tags`, `CanaryTags` and `Checks` slices, diffed on their own.
static SERVICE: GoStruct = GoStruct {
    name: "Service",
    source: "nomad/structs/services.go",
    omitempty: |_| false,
    fields: &[
        field("Name", Kind::Str),
        field("TaskName", Kind::Str),
        field("PortLabel", Kind::Str),
        field("AddressMode", Kind::Str),
        field("Address", Kind::Str),
        field("EnableTagOverride", Kind::Bool),
        field("Tags", Kind::Collection),
        field("CanaryTags", Kind::Collection),
        field("Checks", Kind::Collection),
        field("Connect", Kind::Null),
        field("Meta", Kind::Collection),
        field("CanaryMeta", Kind::Collection),
        Field { present: Some(NomadVersion::service_weights), ..field("Weights", Kind::Null) },
        field("TaggedAddresses", Kind::Collection),
        field("Namespace", Kind::Str),
        field("OnUpdate", Kind::Str),
        field("Provider", Kind::Str),
        Field { present: Some(NomadVersion::service_cluster), ..field("Cluster", Kind::Str) },
        Field { present: Some(NomadVersion::service_cluster), ..field("Identity", Kind::Null) },
        Field { present: Some(NomadVersion::service_kind), ..field("Kind", Kind::Str) },
    ],
};

/// `structs.ServiceCheck` (`nomad/structs/services.go`); `Header` (a map of slices) and
/// `CheckRestart` are diffed on their own.
static SERVICE_CHECK: GoStruct = GoStruct {
    name: "ServiceCheck",
    source: "nomad/structs/services.go",
    omitempty: |_| false,
    fields: &[
        field("Name", Kind::Str),
        field("Type", Kind::Str),
        field("Command", Kind::Str),
        field("Args", Kind::Collection),
        field("Path", Kind::Str),
        field("Protocol", Kind::Str),
        field("PortLabel", Kind::Str),
        field("Expose", Kind::Bool),
        field("AddressMode", Kind::Str),
        field("Interval", Kind::Num),
        field("Timeout", Kind::Num),
        field("InitialStatus", Kind::Str),
        Field { present: Some(NomadVersion::check_notes), ..field("Notes", Kind::Str) },
        Field { present: Some(NomadVersion::check_tls_server_name), ..field("TLSServerName", Kind::Str) },
        field("TLSSkipVerify", Kind::Bool),
        field("Method", Kind::Str),
        field("Header", Kind::Collection),
        field("CheckRestart", Kind::Null),
        field("GRPCService", Kind::Str),
        field("GRPCUseTLS", Kind::Bool),
        field("TaskName", Kind::Str),
        field("SuccessBeforePassing", Kind::Num),
        field("FailuresBeforeCritical", Kind::Num),
        Field {
            present: Some(NomadVersion::check_failures_before_warning),
            ..field("FailuresBeforeWarning", Kind::Num)
        },
        field("Body", Kind::Str),
        field("OnUpdate", Kind::Str),
    ],
};

/// `structs.CheckRestart`.
static CHECK_RESTART: GoStruct = GoStruct {
    name: "CheckRestart",
    source: "nomad/structs/services.go",
    omitempty: |_| false,
    fields: &[field("Limit", Kind::Num), field("Grace", Kind::Num), field("IgnoreWarnings", Kind::Bool)],
};

const fn field(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, omitempty: false, present: None }
}

/// `Job.Diff` filters these from the job's fields: they change with every version.
const JOB_FILTER: &[&str] = &[
    "ID",
    "Status",
    "StatusDescription",
    "Version",
    "Stable",
    "CreateIndex",
    "ModifyIndex",
    "JobModifyIndex",
    "Update",
    "SubmitTime",
    "NomadTokenID",
    "VaultToken",
];

struct JobDiffer {
    version: NomadVersion,
    contextual: bool,
}

fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

fn items(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    items(value).iter().filter_map(Value::as_str).map(str::to_string).collect()
}

/// Entries of a list of named objects by `Name`, the last of a name winning (a Go map).
fn by_name(list: &[Value]) -> BTreeMap<String, &Value> {
    list.iter().map(|v| (v.get("Name").and_then(Value::as_str).unwrap_or_default().to_string(), v)).collect()
}

impl JobDiffer {
    fn job(&self, old: &Value, new: &Value) -> JobDiff {
        let mut diff = JobDiff { id: str_of(new.get("ID")), ..Default::default() };
        let old_flat = self.primitive_flat(Some(old), &wire::JOB, JOB_FILTER);
        let new_flat = self.primitive_flat(Some(new), &wire::JOB, JOB_FILTER);
        diff.fields = field_diffs(&old_flat, &new_flat, false);

        let datacenters = string_set_diff(
            &strings(old.get("Datacenters")),
            &strings(new.get("Datacenters")),
            "Datacenters",
            self.contextual,
        );
        diff.objects.extend(datacenters.filter(|d| d.kind != DiffType::None));
        diff.objects.extend(self.object_set_diff(
            old.get("Constraints"),
            new.get("Constraints"),
            &CONSTRAINT,
            "Constraint",
        ));
        diff.objects.extend(self.object_set_diff(old.get("Affinities"), new.get("Affinities"), &AFFINITY, "Affinity"));

        let old_groups = by_name(items(old.get("TaskGroups")));
        let new_groups = by_name(items(new.get("TaskGroups")));
        for (name, group) in &old_groups {
            diff.task_groups.push(self.group(Some(group), new_groups.get(name).copied()));
        }
        for (name, group) in &new_groups {
            if !old_groups.contains_key(name) {
                diff.task_groups.push(self.group(None, Some(group)));
            }
        }
        diff.task_groups.sort_by(|a, b| a.name.cmp(&b.name));

        diff.objects.extend(self.periodic_diff(old.get("Periodic"), new.get("Periodic")));
        diff.objects.extend(self.parameterized_diff(old.get("ParameterizedJob"), new.get("ParameterizedJob")));

        let changed = diff.fields.iter().any(|f| f.kind != DiffType::None)
            || diff.objects.iter().any(|o| o.kind != DiffType::None)
            || diff.task_groups.iter().any(|g| g.kind != DiffType::None);
        if changed {
            diff.kind = DiffType::Edited;
        }
        diff
    }

    /// `periodicDiff` (1.7.0+, with `Specs`): added, deleted or edited by the block's
    /// presence, its fields contextual, `Specs` a string set listed only when changed.
    /// Before 1.7.0 the block was a `primitiveObjectDiff`, typed by its fields.
    fn periodic_diff(&self, old: Option<&Value>, new: Option<&Value>) -> Option<ObjectDiff> {
        if !self.version.periodic_specs() {
            return self.object_diff(old, new, &PERIODIC_CONFIG, &[], "Periodic");
        }
        let (old, new) = (present(old), present(new));
        let kind = diff_type(old, new)?;
        let fields = field_diffs(
            &self.primitive_flat(old, &PERIODIC_CONFIG, &[]),
            &self.primitive_flat(new, &PERIODIC_CONFIG, &[]),
            self.contextual,
        );
        let specs = string_set_diff(&strings(get(old, "Specs")), &strings(get(new, "Specs")), "Specs", self.contextual);
        let objects = specs.into_iter().filter(|d| d.kind != DiffType::None).collect();
        Some(ObjectDiff { kind, name: "Periodic".into(), fields, objects })
    }

    /// `parameterizedJobDiff`: `Payload`, and `MetaOptional` then `MetaRequired` as string
    /// sets (listed when unchanged too, being contextual).
    fn parameterized_diff(&self, old: Option<&Value>, new: Option<&Value>) -> Option<ObjectDiff> {
        let (old, new) = (present(old), present(new));
        let kind = diff_type(old, new)?;
        let fields = field_diffs(
            &self.primitive_flat(old, &PARAMETERIZED_JOB_CONFIG, &[]),
            &self.primitive_flat(new, &PARAMETERIZED_JOB_CONFIG, &[]),
            self.contextual,
        );
        let objects = ["MetaOptional", "MetaRequired"]
            .into_iter()
            .filter_map(|name| {
                string_set_diff(&strings(get(old, name)), &strings(get(new, name)), name, self.contextual)
            })
            .collect();
        Some(ObjectDiff { kind, name: "ParameterizedJob".into(), fields, objects })
    }

    /// `TaskGroup.Diff`. A group in both versions is `Edited` when anything in it differs
    /// (`reflect.DeepEqual`), even where no field or block below says what.
    fn group(&self, old: Option<&Value>, new: Option<&Value>) -> TaskGroupDiff {
        let mut diff = TaskGroupDiff {
            kind: change_of(old, new),
            name: str_of(new.or(old).and_then(|g| g.get("Name"))),
            ..Default::default()
        };
        let old_flat = self.primitive_flat(old, &wire::TASK_GROUP, &["Name"]);
        let new_flat = self.primitive_flat(new, &wire::TASK_GROUP, &["Name"]);
        // `ShutdownDelay` (and, up to 1.9, `StopAfterClientDisconnect` and
        // `MaxClientDisconnect`) are added to both sides as `%d` of the pointer or ""; the
        // agent models none of them, so they are equal and never listed.
        diff.fields = field_diffs(&old_flat, &new_flat, false);

        diff.objects.extend(self.object_set_diff(
            get(old, "Constraints"),
            get(new, "Constraints"),
            &CONSTRAINT,
            "Constraint",
        ));
        diff.objects.extend(self.object_set_diff(
            get(old, "Affinities"),
            get(new, "Affinities"),
            &AFFINITY,
            "Affinity",
        ));
        let blocks: [(&str, &GoStruct, &[&str], bool); 5] = [
            ("RestartPolicy", &wire::RESTART_POLICY, &[], true),
            ("Migrate", &wire::MIGRATE_STRATEGY, &[], self.version.group_diff_migrate()),
            ("ReschedulePolicy", &wire::RESCHEDULE_POLICY, &[], true),
            ("EphemeralDisk", &wire::EPHEMERAL_DISK, &[], true),
            // COMPAT in diff.go: `Stagger` is filtered from the group's update block.
            ("Update", &wire::UPDATE_STRATEGY, &["Stagger"], true),
        ];
        for (name, table, filter, diffed) in blocks {
            if diffed {
                diff.objects.extend(self.object_diff(get(old, name), get(new, name), table, filter, name));
            }
        }

        let old_tasks = by_name(items(get(old, "Tasks")));
        let new_tasks = by_name(items(get(new, "Tasks")));
        for (name, task) in &old_tasks {
            diff.tasks.push(self.task(Some(task), new_tasks.get(name).copied()));
        }
        for (name, task) in &new_tasks {
            if !old_tasks.contains_key(name) {
                diff.tasks.push(self.task(None, Some(task)));
            }
        }
        diff.tasks.sort_by(|a, b| a.name.cmp(&b.name));
        diff
    }

    /// `Task.Diff`; `Name` and `Config` are filtered from the task's own fields (`Config`
    /// is its own object).
    fn task(&self, old: Option<&Value>, new: Option<&Value>) -> TaskDiff {
        let mut diff = TaskDiff {
            kind: change_of(old, new),
            name: str_of(new.or(old).and_then(|t| t.get("Name"))),
            ..Default::default()
        };
        let old_flat = self.primitive_flat(old, &wire::TASK, &["Name", "Config"]);
        let new_flat = self.primitive_flat(new, &wire::TASK, &["Name", "Config"]);
        diff.fields = field_diffs(&old_flat, &new_flat, false);

        diff.objects.extend(self.object_set_diff(
            get(old, "Constraints"),
            get(new, "Constraints"),
            &CONSTRAINT,
            "Constraint",
        ));
        diff.objects.extend(self.object_set_diff(
            get(old, "Affinities"),
            get(new, "Affinities"),
            &AFFINITY,
            "Affinity",
        ));
        diff.objects.extend(config_diff(get(old, "Config"), get(new, "Config"), self.contextual));
        diff.objects.extend(self.resources_diff(get(old, "Resources"), get(new, "Resources")));
        diff.objects.extend(self.object_diff(
            get(old, "LogConfig"),
            get(new, "LogConfig"),
            &wire::LOG_CONFIG,
            &[],
            "LogConfig",
        ));
        // DispatchPayload and Artifacts come here; the agent models neither.
        diff.objects.extend(self.service_diffs(items(get(old, "Services")), items(get(new, "Services"))));
        diff.objects.extend(self.identity_diff(get(old, "Identity"), get(new, "Identity")));
        diff
    }

    /// `serviceDiffs`: one service on each side is diffed as one; otherwise each old service
    /// is matched to an unmatched new one by `findServiceMatch`'s score (same position 1,
    /// same `PortLabel` 2, same `Name` 3; above 2 wins, the highest first found), the
    /// unmatched being deleted or added.
    fn service_diffs(&self, old: &[Value], new: &[Value]) -> Vec<ObjectDiff> {
        if old.len() == 1 && new.len() == 1 {
            return self.service_diff(old.first(), new.first()).into_iter().collect();
        }
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
        let mut new_matched = vec![false; new.len()];
        let mut diffs = Vec::new();
        for (old_index, service) in old.iter().enumerate() {
            let mut best = (0, None);
            for (i, candidate) in new.iter().enumerate() {
                if new_matched[i] {
                    continue;
                }
                let score = u8::from(i == old_index)
                    + 2 * u8::from(text(service, "PortLabel") == text(candidate, "PortLabel"))
                    + 3 * u8::from(text(service, "Name") == text(candidate, "Name"));
                if score > 2 && score > best.0 {
                    best = (score, Some(i));
                }
            }
            match best.1 {
                Some(i) => {
                    new_matched[i] = true;
                    diffs.extend(self.service_diff(Some(service), new.get(i)));
                }
                None => diffs.extend(self.service_diff(Some(service), None)),
            }
        }
        for (i, service) in new.iter().enumerate() {
            if !new_matched[i] {
                diffs.extend(self.service_diff(None, Some(service)));
            }
        }
        go_sort(&mut diffs, object_less);
        diffs
    }

    /// `serviceDiff`: its fields, `CanaryTags` and `Tags` as string sets, its checks, its
    /// `Identity` (1.7.0+) and `Weights` (1.9.2+). Its `Connect` block is not diffed here.
    fn service_diff(&self, old: Option<&Value>, new: Option<&Value>) -> Option<ObjectDiff> {
        let (old, new) = (present(old), present(new));
        let kind = diff_type(old, new)?;
        let fields = field_diffs(
            &self.primitive_flat(old, &SERVICE, &[]),
            &self.primitive_flat(new, &SERVICE, &[]),
            self.contextual,
        );
        let mut objects = Vec::new();
        for name in ["CanaryTags", "Tags"] {
            objects.extend(string_set_diff(&strings(get(old, name)), &strings(get(new, name)), name, self.contextual));
        }
        objects.extend(self.check_diffs(items(get(old, "Checks")), items(get(new, "Checks"))));
        if self.version.service_cluster() {
            objects.extend(self.identity_diff(get(old, "Identity"), get(new, "Identity")));
        }
        if self.version.service_weights() {
            objects.extend(weights_diff(present(get(old, "Weights")), present(get(new, "Weights")), self.contextual));
        }
        Some(ObjectDiff { kind, name: "Service".into(), fields, objects })
    }

    /// `serviceCheckDiffs`: checks matched by `Name`.
    fn check_diffs(&self, old: &[Value], new: &[Value]) -> Vec<ObjectDiff> {
        let (old, new) = (by_name(old), by_name(new));
        let mut diffs: Vec<ObjectDiff> =
            old.iter().filter_map(|(name, check)| self.check_diff(Some(check), new.get(name).copied())).collect();
        diffs.extend(
            new.iter().filter(|(name, _)| !old.contains_key(*name)).filter_map(|(_, c)| self.check_diff(None, Some(c))),
        );
        go_sort(&mut diffs, object_less);
        diffs
    }

    /// `serviceCheckDiff`: its fields, its `Header` (flattened whole: `X-Key[0]`) and its
    /// `CheckRestart`.
    fn check_diff(&self, old: Option<&Value>, new: Option<&Value>) -> Option<ObjectDiff> {
        let (old, new) = (present(old), present(new));
        let kind = diff_type(old, new)?;
        let fields = field_diffs(
            &self.primitive_flat(old, &SERVICE_CHECK, &[]),
            &self.primitive_flat(new, &SERVICE_CHECK, &[]),
            self.contextual,
        );
        let mut objects: Vec<ObjectDiff> =
            whole_map_diff(get(old, "Header"), get(new, "Header"), "Header", self.contextual).into_iter().collect();
        let (old_restart, new_restart) = (present(get(old, "CheckRestart")), present(get(new, "CheckRestart")));
        if old_restart != new_restart {
            let kind = match (old_restart, new_restart) {
                (None, _) => DiffType::Added,
                (_, None) => DiffType::Deleted,
                _ => DiffType::Edited,
            };
            let fields = field_diffs(
                &self.primitive_flat(old_restart, &CHECK_RESTART, &[]),
                &self.primitive_flat(new_restart, &CHECK_RESTART, &[]),
                self.contextual,
            );
            objects.push(ObjectDiff { kind, name: "CheckRestart".into(), fields, objects: Vec::new() });
        }
        Some(ObjectDiff { kind, name: "Check".into(), fields, objects })
    }

    /// `Resources.Diff`: its primitive fields (`CPU`, `Cores`, `MemoryMB`, ...); the
    /// networks, devices and NUMA blocks inside are not diffed here.
    fn resources_diff(&self, old: Option<&Value>, new: Option<&Value>) -> Option<ObjectDiff> {
        let (old, new) = (present(old), present(new));
        let kind = diff_type(old, new)?;
        let fields = field_diffs(
            &self.primitive_flat(old, &wire::RESOURCES, &[]),
            &self.primitive_flat(new, &wire::RESOURCES, &[]),
            self.contextual,
        );
        Some(ObjectDiff { kind, name: "Resources".into(), fields, objects: Vec::new() })
    }

    /// `idDiff` (1.5.0+): the task's default identity, with its `Audience` as a string set
    /// (1.7.0+, when the field exists).
    fn identity_diff(&self, old: Option<&Value>, new: Option<&Value>) -> Option<ObjectDiff> {
        let (old, new) = (present(old), present(new));
        let kind = diff_type(old, new)?;
        let audience = |side: Option<&Value>| strings(side.and_then(|i| i.get("Audience")));
        let objects =
            string_set_diff(&audience(old), &audience(new), "Audience", self.contextual).into_iter().collect();
        let fields = field_diffs(
            &self.primitive_flat(old, &wire::WORKLOAD_IDENTITY, &[]),
            &self.primitive_flat(new, &wire::WORKLOAD_IDENTITY, &[]),
            self.contextual,
        );
        Some(ObjectDiff { kind, name: "Identity".into(), fields, objects })
    }

    /// `primitiveObjectDiff`: a block's primitive fields; `None` when none changed. Its
    /// type comes from its fields: edited, or added and deleted, is `Edited`.
    fn object_diff(
        &self,
        old: Option<&Value>,
        new: Option<&Value>,
        table: &GoStruct,
        filter: &[&str],
        name: &str,
    ) -> Option<ObjectDiff> {
        let fields = field_diffs(
            &self.primitive_flat(present(old), table, filter),
            &self.primitive_flat(present(new), table, filter),
            self.contextual,
        );
        let has = |kind: DiffType| fields.iter().any(|f| f.kind == kind);
        let kind = if has(DiffType::Edited) || has(DiffType::Added) && has(DiffType::Deleted) {
            DiffType::Edited
        } else if has(DiffType::Added) {
            DiffType::Added
        } else if has(DiffType::Deleted) {
            DiffType::Deleted
        } else {
            return None;
        };
        Some(ObjectDiff { kind, name: name.into(), fields, objects: Vec::new() })
    }

    /// `primitiveObjectSetDiff`: the blocks of a list as a set, matched whole (diff.go
    /// keys them by `hashstructure`), so an edited constraint is one `Deleted` and one
    /// `Added`.
    fn object_set_diff(
        &self,
        old: Option<&Value>,
        new: Option<&Value>,
        table: &GoStruct,
        name: &str,
    ) -> Vec<ObjectDiff> {
        let set = |list: &[Value]| -> BTreeMap<String, Value> {
            list.iter().map(|v| (format!("{:?}", self.primitive_flat(Some(v), table, &[])), v.clone())).collect()
        };
        let (old_set, new_set) = (set(items(old)), set(items(new)));
        let mut diffs = Vec::new();
        for (key, object) in &old_set {
            diffs.extend(self.object_diff(Some(object), new_set.get(key), table, &["str"], name));
        }
        for (key, object) in &new_set {
            if !old_set.contains_key(key) {
                diffs.extend(self.object_diff(None, Some(object), table, &["str"], name));
            }
        }
        go_sort(&mut diffs, object_less);
        diffs
    }

    /// `flatmap.Flatten(obj, filter, primitiveOnly=true)` over the JSON form of a Go struct:
    /// its bool, integer and string fields, and its maps' primitive entries as `Name[key]`.
    /// Pointers, slices and nested structs are skipped; a missing field is Go's zero value.
    fn primitive_flat(&self, object: Option<&Value>, table: &GoStruct, filter: &[&str]) -> Flat {
        let mut flat = Flat::new();
        let Some(object) = object.and_then(Value::as_object) else {
            return flat;
        };
        for field in table.fields.iter().filter(|f| f.in_release(self.version) && !filter.contains(&f.name)) {
            let value = object.get(field.name).unwrap_or(&Value::Null);
            match field.kind {
                Kind::Str => {
                    flat.insert(field.name.into(), value.as_str().unwrap_or_default().into());
                }
                Kind::Num => {
                    flat.insert(field.name.into(), value.as_number().map_or_else(|| "0".into(), integer));
                }
                Kind::Bool => {
                    flat.insert(field.name.into(), value.as_bool().unwrap_or_default().to_string());
                }
                // A map of strings (`Meta`, `Env`); a map of pointers (`Volumes`) has no
                // primitive entries, and a slice is no JSON object.
                Kind::Collection | Kind::MadeMap => {
                    for (key, entry) in value.as_object().into_iter().flatten() {
                        if let Some(text) = entry.as_str() {
                            flat.insert(format!("{}[{key}]", field.name), text.into());
                        }
                    }
                }
                Kind::Null | Kind::MadeList | Kind::Struct(_) => {}
            }
        }
        flat
    }
}

/// Added, Deleted, or (both present) Edited when they differ at all.
fn change_of(old: Option<&Value>, new: Option<&Value>) -> DiffType {
    match (old, new) {
        (None, _) => DiffType::Added,
        (_, None) => DiffType::Deleted,
        (Some(a), Some(b)) if a != b => DiffType::Edited,
        _ => DiffType::None,
    }
}

/// `key` of an object that may be absent (a group or task only in one version).
fn get<'a>(side: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    side.and_then(|v| v.get(key))
}

fn str_of(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).unwrap_or_default().to_string()
}

/// An integer field (`int`, `uint64`, `time.Duration`) as `%v` writes it.
fn integer(n: &serde_json::Number) -> String {
    n.to_string()
}

/// `weightsDiff` (1.9.2): `Passing` and `Warning`, each listed only when above 0
/// (`strconv.Itoa`).
fn weights_diff(old: Option<&Value>, new: Option<&Value>, contextual: bool) -> Option<ObjectDiff> {
    let kind = diff_type(old, new)?;
    let flat = |side: Option<&Value>| -> Flat {
        ["Passing", "Warning"]
            .into_iter()
            .filter_map(|name| {
                let n = get(side, name).and_then(Value::as_i64).filter(|n| *n > 0)?;
                Some((name.to_string(), n.to_string()))
            })
            .collect()
    };
    let fields = field_diffs(&flat(old), &flat(new), contextual);
    Some(ObjectDiff { kind, name: "Weights".into(), fields, objects: Vec::new() })
}

/// A map flattened whole, typed by which side is empty (`configDiff`, `checkHeaderDiff`).
fn whole_map_diff(old: Option<&Value>, new: Option<&Value>, name: &str, contextual: bool) -> Option<ObjectDiff> {
    let len = |v: Option<&Value>| v.and_then(Value::as_object).map_or(0, serde_json::Map::len);
    // A nil map and an empty one are not DeepEqual in Go; the agent writes both `null`.
    if present(old) == present(new) {
        return None;
    }
    let kind = if len(old) == 0 {
        DiffType::Added
    } else if len(new) == 0 {
        DiffType::Deleted
    } else {
        DiffType::Edited
    };
    let flatten = |v: Option<&Value>| {
        let mut flat = Flat::new();
        if let Some(map) = v.and_then(Value::as_object) {
            for (key, entry) in map {
                flatten_any(key, entry, &mut flat);
            }
        }
        flat
    };
    let fields = field_diffs(&flatten(old), &flatten(new), contextual);
    Some(ObjectDiff { kind, name: name.into(), fields, objects: Vec::new() })
}

/// `configDiff`: the task's driver config flattened whole (`flatmap.Flatten` without
/// `primitiveOnly`): `command`, `args[0]`, `port_map[0][http]`.
fn config_diff(old: Option<&Value>, new: Option<&Value>, contextual: bool) -> Option<ObjectDiff> {
    whole_map_diff(old, new, "Config", contextual)
}

/// `flatmap.flatten` of an `interface{}` value decoded from JSON: maps as `[key]`, slices as
/// `[i]`, nil as `nil`, numbers as the `float64` Go decoded them into.
fn flatten_any(prefix: &str, value: &Value, flat: &mut Flat) {
    match value {
        Value::Null => {
            flat.insert(prefix.into(), "nil".into());
        }
        Value::Bool(b) => {
            flat.insert(prefix.into(), b.to_string());
        }
        Value::Number(n) => {
            flat.insert(prefix.into(), go_float(n.as_f64().unwrap_or_default()));
        }
        Value::String(s) => {
            flat.insert(prefix.into(), s.clone());
        }
        Value::Array(list) => {
            for (i, item) in list.iter().enumerate() {
                flatten_any(&format!("{prefix}[{i}]"), item, flat);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                flatten_any(&format!("{prefix}[{key}]"), item, flat);
            }
        }
    }
}

/// Go's `%v` of a `float64` (`%g` with the shortest digits that read back the same):
/// exponent form, at least two exponent digits, when the exponent is below -4 or 6 and
/// above (`strconv.FormatFloat(f, 'g', -1, 64)`: `1e+06`, `1.5e-05`), plain otherwise.
pub fn go_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits too: `1.2345e3`.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if x < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}e{exp_sign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{text}")
}

/// `fieldDiff`: `None` when equal (listed only if `contextual`), `Added` from "", `Deleted`
/// to "", else `Edited`.
fn field_diff(old: &str, new: &str, name: &str, contextual: bool) -> Option<FieldDiff> {
    let mut diff = FieldDiff { name: name.into(), ..Default::default() };
    if old == new {
        if !contextual {
            return None;
        }
        diff.old = old.into();
        diff.new = new.into();
    } else if old.is_empty() {
        diff.kind = DiffType::Added;
        diff.new = new.into();
    } else if new.is_empty() {
        diff.kind = DiffType::Deleted;
        diff.old = old.into();
    } else {
        diff.kind = DiffType::Edited;
        diff.old = old.into();
        diff.new = new.into();
    }
    Some(diff)
}

/// `fieldDiffs`: every key of either side (a missing one reads ""), sorted by name, old
/// value, new value.
fn field_diffs(old: &Flat, new: &Flat, contextual: bool) -> Vec<FieldDiff> {
    let mut diffs: Vec<FieldDiff> =
        old.iter().filter_map(|(k, v)| field_diff(v, new.get(k).map_or("", String::as_str), k, contextual)).collect();
    diffs.extend(
        new.iter().filter(|(k, _)| !old.contains_key(*k)).filter_map(|(k, v)| field_diff("", v, k, contextual)),
    );
    diffs.sort_by(|a, b| (&a.name, &a.old, &a.new).cmp(&(&b.name, &b.old, &b.new)));
    diffs
}

/// `stringSetDiff`: a list of strings as a set; kept entries are listed (`None`) when
/// `contextual`. `None` for two empty sets, or equal sets without `contextual`.
fn string_set_diff(old: &[String], new: &[String], name: &str, contextual: bool) -> Option<ObjectDiff> {
    use std::collections::BTreeSet;
    let old: BTreeSet<&String> = old.iter().collect();
    let new: BTreeSet<&String> = new.iter().collect();
    if old == new && !contextual {
        return None;
    }
    let mut fields = Vec::new();
    let (mut added, mut removed) = (false, false);
    for k in &old {
        if !new.contains(k) {
            fields.extend(field_diff(k, "", name, contextual));
            removed = true;
        } else if contextual {
            fields.extend(field_diff(k, k, name, contextual));
        }
    }
    for k in &new {
        if !old.contains(k) {
            fields.extend(field_diff("", k, name, contextual));
            added = true;
        }
    }
    fields.sort_by(|a, b| (&a.name, &a.old, &a.new).cmp(&(&b.name, &b.old, &b.new)));
    let kind = match (added, removed) {
        (true, true) => DiffType::Edited,
        (true, false) => DiffType::Added,
        (false, true) => DiffType::Deleted,
        (false, false) if fields.is_empty() => return None,
        (false, false) => DiffType::None,
    };
    Some(ObjectDiff { kind, name: name.into(), fields, objects: Vec::new() })
}

/// `FieldDiff.Less`.
fn field_less(a: &FieldDiff, b: &FieldDiff) -> bool {
    a != b && (&a.name, &a.old, &a.new) < (&b.name, &b.old, &b.new)
}

/// `ObjectDiff.Less`: by name, type, number of fields and of objects, then true when any
/// field (or object) at the same position is less. That last rule is no total order, so the
/// result depends on the sort's steps: [`go_sort`] takes Go's.
fn object_less(a: &ObjectDiff, b: &ObjectDiff) -> bool {
    if a == b {
        return false;
    }
    if a.name != b.name {
        return a.name < b.name;
    }
    if a.kind != b.kind {
        return a.kind.rank() < b.kind.rank();
    }
    if a.fields.len() != b.fields.len() {
        return a.fields.len() < b.fields.len();
    }
    if a.objects.len() != b.objects.len() {
        return a.objects.len() < b.objects.len();
    }
    a.fields.iter().zip(&b.fields).any(|(x, y)| field_less(x, y))
        || a.objects.iter().zip(&b.objects).any(|(x, y)| object_less(x, y))
}

/// `sort.Sort` as Go runs it on the short lists diffs have: an insertion sort (Go's
/// `pdqsort` sorts 12 elements or fewer so; longer lists here are sorted the same way,
/// where Go would partition first).
fn go_sort<T>(items: &mut [T], less: fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && less(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{MigrateStrategy, Task, TaskGroup};
    use serde_json::json;

    fn v(text: &str) -> NomadVersion {
        text.parse().unwrap()
    }

    fn fd(kind: DiffType, name: &str, old: &str, new: &str) -> FieldDiff {
        FieldDiff { kind, name: name.into(), old: old.into(), new: new.into(), annotations: Vec::new() }
    }

    fn web() -> Job {
        Job {
            id: "web".into(),
            name: "web".into(),
            kind: "service".into(),
            priority: 50,
            datacenters: vec!["dc1".into()],
            task_groups: vec![TaskGroup {
                name: "web".into(),
                count: 1,
                tasks: vec![Task { name: "server".into(), driver: "raw_exec".into(), ..Task::default() }],
                ..TaskGroup::default()
            }],
            ..Job::default()
        }
    }

    /// `fmt.Sprintf("%v", float64)`, as diff.go's flatmap writes task config numbers:
    /// `strconv.FormatFloat(f, 'g', -1, 64)`, exponent form from 1e+06 and below 1e-04.
    #[test]
    fn config_numbers_are_go_floats() {
        let cases = [
            (0.0, "0"),
            (1.0, "1"),
            (8080.0, "8080"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (100000.0, "100000"),
            (123456.0, "123456"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
        ];
        for (x, text) in cases {
            assert_eq!(go_float(x), text, "{x}");
        }
    }

    /// diff.go `fieldDiff`/`fieldDiffs`: "" on one side is Added or Deleted; without
    /// `contextual` equal fields are left out; sorted by name.
    #[test]
    fn field_diffs_name_their_change() {
        let old = Flat::from([("b".into(), "1".into()), ("a".into(), "x".into()), ("c".into(), "same".into())]);
        let new = Flat::from([("b".into(), "2".into()), ("d".into(), "y".into()), ("c".into(), "same".into())]);
        assert_eq!(
            field_diffs(&old, &new, false),
            [
                fd(DiffType::Deleted, "a", "x", ""),
                fd(DiffType::Edited, "b", "1", "2"),
                fd(DiffType::Added, "d", "", "y")
            ]
        );
        assert_eq!(field_diffs(&old, &new, true)[2], fd(DiffType::None, "c", "same", "same"));
    }

    /// diff.go `stringSetDiff`: added and removed entries; kept ones as `None` when
    /// contextual; two empty sets are no diff; `Job.Diff` drops an unchanged `Datacenters`.
    #[test]
    fn datacenters_are_a_string_set() {
        let (old, new) = (web(), Job { datacenters: vec!["dc1".into(), "dc2".into()], ..web() });
        let diff = job_diff(&old, &new, NomadVersion::LATEST).unwrap();
        assert_eq!(diff.kind, DiffType::Edited);
        assert_eq!(
            diff.objects,
            [ObjectDiff {
                kind: DiffType::Added,
                name: "Datacenters".into(),
                fields: vec![
                    fd(DiffType::Added, "Datacenters", "", "dc2"),
                    fd(DiffType::None, "Datacenters", "dc1", "dc1")
                ],
                objects: Vec::new(),
            }]
        );
        assert_eq!(string_set_diff(&[], &[], "Audience", true), None);
        let same = string_set_diff(&["a".into()], &["a".into()], "Audience", true).unwrap();
        assert_eq!(same.kind, DiffType::None);
        assert_eq!(job_diff(&old, &old, NomadVersion::LATEST).unwrap().objects, []);
    }

    /// diff.go `primitiveObjectSetDiff`: constraints are matched whole, so an edited one is a
    /// `Deleted` and an `Added` object, sorted Added before Deleted (`DiffType.Less`).
    #[test]
    fn an_edited_constraint_is_deleted_and_added() {
        let constraint = |r: &str| json!({"LTarget": "${attr.kernel.name}", "RTarget": r, "Operand": "="});
        let old = Job { constraints: vec![constraint("linux")], ..web() };
        let new = Job { constraints: vec![constraint("darwin")], ..web() };
        let diff = job_diff(&old, &new, NomadVersion::LATEST).unwrap();
        let object = |kind, fields| ObjectDiff { kind, name: "Constraint".into(), fields, objects: Vec::new() };
        use DiffType::{Added, Deleted};
        assert_eq!(
            diff.objects,
            [
                object(
                    Added,
                    vec![
                        fd(Added, "LTarget", "", "${attr.kernel.name}"),
                        fd(Added, "Operand", "", "="),
                        fd(Added, "RTarget", "", "darwin")
                    ]
                ),
                object(
                    Deleted,
                    vec![
                        fd(Deleted, "LTarget", "${attr.kernel.name}", ""),
                        fd(Deleted, "Operand", "=", ""),
                        fd(Deleted, "RTarget", "linux", "")
                    ]
                ),
            ]
        );
        assert!(diff.task_groups.iter().all(|g| g.kind == DiffType::None));
    }

    /// diff.go `TaskGroup.Diff`: `Migrate` is an object from 1.10.0 (#25528); before, the
    /// group is edited with nothing below to say why.
    #[test]
    fn migrate_is_diffed_from_1_10() {
        let old = web();
        let mut new = web();
        new.task_groups[0].migrate = Some(MigrateStrategy { max_parallel: 2, ..MigrateStrategy::default() });
        let latest = &job_diff(&old, &new, v("1.10.0")).unwrap().task_groups[0];
        assert_eq!(latest.kind, DiffType::Edited);
        assert_eq!(latest.objects[0].name, "Migrate");
        assert_eq!(latest.objects[0].kind, DiffType::Added);
        assert_eq!(
            latest.objects[0].fields,
            [
                fd(DiffType::None, "HealthCheck", "", ""),
                fd(DiffType::Added, "HealthyDeadline", "", "0"),
                fd(DiffType::Added, "MaxParallel", "", "2"),
                fd(DiffType::Added, "MinHealthyTime", "", "0")
            ]
        );
        let older = &job_diff(&old, &new, v("1.9.7")).unwrap().task_groups[0];
        assert_eq!((older.kind, older.objects.len()), (DiffType::Edited, 0));
    }

    /// diff.go `taskGroupDiffs`: groups only in the new version are `Added` with their
    /// non-empty fields, those gone are `Deleted`; sorted by name. `Job.Diff` filters
    /// `Version`, `SubmitTime` and the indexes.
    #[test]
    fn groups_added_and_deleted() {
        let old = web();
        let mut new = web();
        new.version = 3;
        new.submit_time = crate::time::NanoTime(7);
        new.task_groups[0].name = "api".into();
        let diff = job_diff(&old, &new, v("1.6.10")).unwrap();
        assert_eq!(diff.fields, []);
        let groups: Vec<(&str, DiffType)> = diff.task_groups.iter().map(|g| (g.name.as_str(), g.kind)).collect();
        assert_eq!(groups, [("api", DiffType::Added), ("web", DiffType::Deleted)]);
        assert_eq!(diff.task_groups[0].fields, [fd(DiffType::Added, "Count", "", "1")]);
        assert_eq!(diff.task_groups[1].fields, [fd(DiffType::Deleted, "Count", "1", "")]);
        // 1.7.2 adds `PreventRescheduleOnLost`, a bool: "false" is no empty string.
        let later = job_diff(&old, &new, v("1.7.2")).unwrap();
        assert_eq!(later.task_groups[0].fields[1], fd(DiffType::Added, "PreventRescheduleOnLost", "", "false"));
        let err = job_diff(&old, &Job { id: "api".into(), ..web() }, NomadVersion::LATEST).unwrap_err();
        assert_eq!(err.to_string(), "can not diff jobs with different IDs: \"web\" and \"api\"");
    }

    /// diff.go `periodicDiff` (1.7.0, #17858) types the block by its presence and adds
    /// `Specs`; before, `primitiveObjectDiff` typed it by its fields, so a time zone set
    /// where there was none is `Added` there and `Edited` from 1.7.0.
    #[test]
    fn periodic_block_per_release() {
        let periodic = |tz: &str| json!({"Enabled": true, "Spec": "0 * * * *", "SpecType": "cron", "TimeZone": tz});
        let old = Job { periodic: Some(periodic("")), ..web() };
        let new = Job { periodic: Some(periodic("UTC")), ..web() };
        let now = job_diff(&old, &new, v("1.7.0")).unwrap();
        assert_eq!(now.objects.len(), 1);
        assert_eq!((now.objects[0].name.as_str(), now.objects[0].kind), ("Periodic", DiffType::Edited));
        assert_eq!(
            now.objects[0].fields,
            [
                fd(DiffType::None, "Enabled", "true", "true"),
                fd(DiffType::None, "ProhibitOverlap", "false", "false"),
                fd(DiffType::None, "Spec", "0 * * * *", "0 * * * *"),
                fd(DiffType::None, "SpecType", "cron", "cron"),
                fd(DiffType::Added, "TimeZone", "", "UTC")
            ]
        );
        let before = job_diff(&old, &new, v("1.6.10")).unwrap();
        assert_eq!(before.objects[0].kind, DiffType::Added);
        assert_eq!(before.objects[0].fields, now.objects[0].fields);
        let params = Job { parameterized_job: Some(json!({"Payload": "optional", "MetaRequired": ["a"]})), ..web() };
        let added = job_diff(&web(), &params, NomadVersion::LATEST).unwrap();
        assert_eq!(added.objects[0].name, "ParameterizedJob");
        assert_eq!(added.objects[0].fields, [fd(DiffType::Added, "Payload", "", "optional")]);
        assert_eq!(added.objects[0].objects.len(), 1, "an empty MetaOptional set is no diff");
        assert_eq!(added.objects[0].objects[0].fields, [fd(DiffType::Added, "MetaRequired", "", "a")]);
    }

    /// diff.go `serviceDiff`: one service on each side is diffed as one, its fields
    /// contextual, its `Tags` a string set, its checks matched by name, a check's fields
    /// (durations in nanoseconds) contextual; fields a release lacks are not listed.
    #[test]
    fn a_service_and_its_check() {
        let service = |tags: Value, path: &str| {
            json!({"Name": "web", "PortLabel": "http", "Provider": "nomad", "Tags": tags, "Checks": [
                {"Name": "alive", "Type": "http", "Path": path, "Interval": 10_000_000_000u64, "Timeout": 2_000_000_000u64}
            ]})
        };
        let with = |s: Value| {
            let mut j = web();
            j.task_groups[0].tasks[0].services = vec![s];
            j
        };
        let old = with(service(json!(["a"]), "/"));
        let new = with(service(json!(["a", "b"]), "/health"));
        let diff = job_diff(&old, &new, NomadVersion::LATEST).unwrap();
        let task = &diff.task_groups[0].tasks[0];
        assert_eq!(task.kind, DiffType::Edited);
        let svc = &task.objects[0];
        assert_eq!((svc.name.as_str(), svc.kind), ("Service", DiffType::Edited));
        use DiffType::{Added, Edited, None as Same};
        assert_eq!(
            svc.fields,
            [
                fd(Same, "Address", "", ""),
                fd(Same, "AddressMode", "", ""),
                fd(Same, "Cluster", "", ""),
                fd(Same, "EnableTagOverride", "false", "false"),
                fd(Same, "Kind", "", ""),
                fd(Same, "Name", "web", "web"),
                fd(Same, "Namespace", "", ""),
                fd(Same, "OnUpdate", "", ""),
                fd(Same, "PortLabel", "http", "http"),
                fd(Same, "Provider", "nomad", "nomad"),
                fd(Same, "TaskName", "", ""),
            ]
        );
        assert_eq!(svc.objects[0].name, "Tags");
        assert_eq!(svc.objects[0].kind, Added);
        assert_eq!(svc.objects[0].fields, [fd(Added, "Tags", "", "b"), fd(Same, "Tags", "a", "a")]);
        let check = &svc.objects[1];
        assert_eq!((check.name.as_str(), check.kind), ("Check", Edited));
        let changed: Vec<&FieldDiff> = check.fields.iter().filter(|f| f.kind != Same).collect();
        assert_eq!(changed, [&fd(Edited, "Path", "/", "/health")]);
        let interval = check.fields.iter().find(|f| f.name == "Interval").unwrap();
        assert_eq!(interval.new, "10000000000");
        assert_eq!(check.fields.len(), 23, "every primitive field of ServiceCheck at 1.11.3");
        // 1.4.0: no Cluster, Kind, Notes, TLSServerName, FailuresBeforeWarning.
        let oldest = job_diff(&old, &new, NomadVersion::OLDEST).unwrap();
        let svc = &oldest.task_groups[0].tasks[0].objects[0];
        assert_eq!(svc.fields.len(), 9);
        assert_eq!(svc.objects[1].fields.len(), 20);
    }

    /// diff.go `findServiceMatch`: services moved in the list still match by name and port
    /// label (an unchanged one is no diff); one renamed onto another port is deleted and
    /// added, sorted Added first.
    #[test]
    fn services_match_by_name_and_port() {
        let svc = |name: &str, port: &str, tag: &str| json!({"Name": name, "PortLabel": port, "Tags": [tag]});
        let with = |services: Vec<Value>| {
            let mut j = web();
            j.task_groups[0].tasks[0].services = services;
            j
        };
        let old = with(vec![svc("web", "http", "a"), svc("db", "db", "a")]);
        let moved = with(vec![svc("db", "db", "b"), svc("web", "http", "a")]);
        let diff = job_diff(&old, &moved, NomadVersion::LATEST).unwrap();
        let objects = &diff.task_groups[0].tasks[0].objects;
        assert_eq!(objects.len(), 1);
        assert_eq!(
            (objects[0].kind, &objects[0].fields[5]),
            (DiffType::Edited, &fd(DiffType::None, "Name", "db", "db"))
        );
        let renamed = with(vec![svc("web", "http", "a"), svc("cache", "redis", "a")]);
        let diff = job_diff(&old, &renamed, NomadVersion::LATEST).unwrap();
        let kinds: Vec<DiffType> = diff.task_groups[0].tasks[0].objects.iter().map(|o| o.kind).collect();
        assert_eq!(kinds, [DiffType::Added, DiffType::Deleted]);
    }

    /// `Job.GetJobVersions`: newest first, each against the next older one; nothing for a
    /// single version; `version N not found` for an unknown `diff_version`.
    #[test]
    fn version_diffs_pair_neighbours() {
        let mut versions: Vec<Job> = (0..3u64).map(|n| Job { version: n, priority: 50 + n as i64, ..web() }).collect();
        versions.reverse();
        let diffs = version_diffs(&versions, None, NomadVersion::LATEST).unwrap();
        let priorities: Vec<_> = diffs.iter().map(|d| (d.fields[0].old.as_str(), d.fields[0].new.as_str())).collect();
        assert_eq!(priorities, [("51", "52"), ("50", "51")]);
        assert!(version_diffs(&versions[2..], None, NomadVersion::LATEST).unwrap().is_empty());
        assert_eq!(version_diffs(&versions, Some(0), NomadVersion::LATEST).unwrap().len(), 3);
        assert_eq!(
            version_diffs(&versions, Some(9), NomadVersion::LATEST).unwrap_err().to_string(),
            "version 9 not found"
        );
    }

    /// The JSON shape of `structs.JobDiff`: Go's field names, nil slices and maps `null`.
    #[test]
    fn writes_nil_slices_as_null() {
        let diff = job_diff(&web(), &web(), NomadVersion::LATEST).unwrap();
        assert_eq!(
            serde_json::to_value(&diff).unwrap(),
            json!({"Type": "None", "ID": "web", "Fields": null, "Objects": null, "TaskGroups": [{
                "Type": "None", "Name": "web", "Fields": null, "Objects": null, "Updates": null,
                "Tasks": [{"Type": "None", "Name": "server", "Fields": null, "Objects": null, "Annotations": null}]
            }]})
        );
        let back: JobDiff = serde_json::from_value(serde_json::to_value(&diff).unwrap()).unwrap();
        assert_eq!(back, diff);
    }
}
