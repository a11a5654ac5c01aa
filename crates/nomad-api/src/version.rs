//! Nomad releases, and the one list of wire behaviours that changed between the releases
//! Caravan supports.
//!
//! People run Nomad 1.4 to 1.11 against the same dashboard, and those releases answer some
//! requests differently. The local agent answers as one chosen release (`--nomad-version`), and
//! every behaviour that depends on the release asks a predicate here, which names the release
//! that changed it and the Nomad source file that shows it. The dashboard never branches on a
//! version number: it reads whichever shape arrives; these predicates are for the agent and for
//! tests that must produce each shape.

use std::fmt;
use std::str::FromStr;

/// A Nomad release, `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NomadVersion {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

/// The newest patch of each supported minor release that the agent models, oldest first.
/// `--nomad-version 1.10` means the last of these in its line.
const MODELLED: &[NomadVersion] = &[
    NomadVersion::new(1, 4, 14),
    NomadVersion::new(1, 5, 17),
    NomadVersion::new(1, 6, 10),
    NomadVersion::new(1, 7, 7),
    NomadVersion::new(1, 8, 4),
    NomadVersion::new(1, 9, 7),
    NomadVersion::new(1, 10, 5),
    NomadVersion::new(1, 11, 3),
];

impl NomadVersion {
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        NomadVersion { major, minor, patch }
    }

    /// The oldest release Caravan supports: 1.4.0, the first with the `RulesJSON` of
    /// `/v1/acl/policy/:name` that the dashboard evaluates ACLs from, and the oldest line
    /// still found in clusters people run.
    pub const OLDEST: NomadVersion = NomadVersion::new(1, 4, 0);

    /// The newest release the agent models, and its default.
    pub const LATEST: NomadVersion = NomadVersion::new(1, 11, 3);

    /// Every minor line supported, as its modelled patch release, oldest first.
    pub fn modelled() -> &'static [NomadVersion] {
        MODELLED
    }

    pub fn at_least(self, major: u16, minor: u16, patch: u16) -> bool {
        self >= NomadVersion::new(major, minor, patch)
    }

    /// `GET /v1/acl/token/self` answers through `ACL.WhoAmI` (hashicorp/nomad#25547, first
    /// released in 1.10.1; `command/agent/acl_endpoint.go` `aclTokenSelf`): with ACLs off it
    /// answers 200 with the `acls-disabled` token, without a token 200 with the `anonymous`
    /// token, and for an unknown secret 403. Before, through `ACL.ResolveToken`: 400 `ACL
    /// support disabled`, 404 `ACL token not found` and 403.
    pub fn token_self_is_who_am_i(self) -> bool {
        self.at_least(1, 10, 1)
    }

    /// `/v1/client/stats` `CPU[]` entries carry `TotalPercent` and `TotalTicks` in place of
    /// `Total` (`CPUStats` in `client/stats/host.go` up to 1.6, `client/hoststats/host.go`
    /// from 1.7; changed in 1.6.0).
    pub fn host_cpu_total_percent(self) -> bool {
        self.at_least(1, 6, 0)
    }

    /// Jobs and nodes carry a `NodePool` (node pools arrived in 1.6.0, `nomad/structs/structs.go`
    /// `Job.NodePool`, `Node.NodePool`), and `/v1/node/pools` exists.
    pub fn node_pools(self) -> bool {
        self.at_least(1, 6, 0)
    }
}

impl Default for NomadVersion {
    fn default() -> Self {
        NomadVersion::LATEST
    }
}

impl fmt::Display for NomadVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("{0:?} is not a Nomad version: expected MAJOR.MINOR or MAJOR.MINOR.PATCH, such as 1.11 or 1.6.3")]
    Malformed(String),
    #[error("Nomad {0} is not supported: Caravan supports {oldest} to {latest}", oldest = NomadVersion::OLDEST, latest = NomadVersion::LATEST)]
    Unsupported(NomadVersion),
}

impl NomadVersion {
    /// Reads a version as Nomad writes it (`1.11.3`, `v1.11.3`, `1.11.3-beta.1`, `1.11.3+ent`)
    /// without checking that it is supported. `1.11` is `1.11.0` here; see [`FromStr`] for
    /// the agent's flag.
    pub fn parse_any(text: &str) -> Result<NomadVersion, VersionError> {
        let malformed = || VersionError::Malformed(text.to_string());
        let core = text.trim().trim_start_matches('v');
        let core = core.split(['-', '+']).next().unwrap_or_default();
        let mut parts = core.split('.').map(|p| p.parse::<u16>().map_err(|_| malformed()));
        let major = parts.next().ok_or_else(malformed)??;
        let minor = parts.next().ok_or_else(malformed)??;
        let patch = parts.next().transpose()?.unwrap_or(0);
        if parts.next().is_some() {
            return Err(malformed());
        }
        Ok(NomadVersion::new(major, minor, patch))
    }
}

/// The agent's `--nomad-version`: a supported release. A bare `1.10` is the newest patch of
/// that line the agent models (1.10.5); a full version picks that patch.
impl FromStr for NomadVersion {
    type Err = VersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parsed = NomadVersion::parse_any(text)?;
        let has_patch = text.trim().trim_start_matches('v').split(['-', '+']).next().unwrap_or_default().matches('.').count() == 2;
        let version = if has_patch {
            parsed
        } else {
            MODELLED
                .iter()
                .copied()
                .find(|v| (v.major, v.minor) == (parsed.major, parsed.minor))
                .ok_or(VersionError::Unsupported(parsed))?
        };
        if version < NomadVersion::OLDEST || version > NomadVersion::LATEST {
            return Err(VersionError::Unsupported(version));
        }
        Ok(version)
    }
}

/// The shapes of the objects Nomad writes (`crate::wire` asks these), and what Nomad fills in
/// when it registers a job. Fields appear in the release named (`nomad/structs/structs.go`
/// unless another file is named); each was checked against every patch tag from 1.4.0 on.
impl NomadVersion {
    /// `AllocListStub.NextAllocation` (1.6.0).
    pub fn alloc_stub_next_allocation(self) -> bool {
        self.at_least(1, 6, 0)
    }

    /// `Allocation.SigningKeyID` (1.4.3; the struct moved to `alloc.go` in 1.11).
    pub fn alloc_signing_key_id(self) -> bool {
        self.at_least(1, 4, 3)
    }

    /// `DesiredTransition.MigrateDisablePlacement` (1.11.0, `alloc.go`).
    pub fn desired_transition_migrate_disable_placement(self) -> bool {
        self.at_least(1, 11, 0)
    }

    /// `TaskState.TaskHandle`, always `null` over HTTP, until it was commented out in 1.10.0.
    pub fn task_state_task_handle(self) -> bool {
        !self.at_least(1, 10, 0)
    }

    /// Task schedules (1.8.0, Enterprise, but the fields are in every build): `Task.Schedule`
    /// and `TaskState.Paused` (`task_sched.go`).
    pub fn task_schedules(self) -> bool {
        self.at_least(1, 8, 0)
    }

    /// `RescheduleTracker.LastReschedule` (1.8.1).
    pub fn reschedule_tracker_last_reschedule(self) -> bool {
        self.at_least(1, 8, 1)
    }

    /// `AllocMetric.NodePool` (1.10.4); `NodesInPool` came with node pools.
    pub fn alloc_metric_node_pool(self) -> bool {
        self.at_least(1, 10, 4)
    }

    /// NUMA-aware scheduling (1.7.0): `Resources.NUMA`, `NodeResources.Processors` (`numa.go`).
    pub fn numa(self) -> bool {
        self.at_least(1, 7, 0)
    }

    /// `Resources.SecretsMB` (1.8.3).
    pub fn resources_secrets_mb(self) -> bool {
        self.at_least(1, 8, 3)
    }

    /// `NetworkResource.CNI` (1.8.2), which also made `NetworkResource` omit its empty fields
    /// (`_struct bool \`codec:",omitempty"\``).
    pub fn network_cni(self) -> bool {
        self.at_least(1, 8, 2)
    }

    /// `Port.IgnoreCollision` and `AllocatedPortMapping.IgnoreCollision` (1.9.0), which also
    /// made both structs omit their empty fields.
    pub fn port_ignore_collision(self) -> bool {
        self.at_least(1, 9, 0)
    }

    /// `Job.ConsulToken` and `Job.VaultToken`, removed in 1.10.0 with the legacy token flows.
    pub fn job_consul_vault_tokens(self) -> bool {
        !self.at_least(1, 10, 0)
    }

    /// `Job.UI` (1.8.0).
    pub fn job_ui(self) -> bool {
        self.at_least(1, 8, 0)
    }

    /// `Job.VersionTag` (1.9.0).
    pub fn job_version_tag(self) -> bool {
        self.at_least(1, 9, 0)
    }

    /// `JobListStub.Meta` (1.4.3, `json:",omitempty"`), filled with `?meta=true`
    /// (`command/agent/job_endpoint.go` `jobListRequest`).
    pub fn job_stub_meta(self) -> bool {
        self.at_least(1, 4, 3)
    }

    /// A job without datacenters runs in all of them (`["*"]`, `Job.Canonicalize`, 1.5.0);
    /// before, `Job.Validate` refused it with `Missing job datacenters`.
    pub fn job_default_datacenters(self) -> bool {
        self.at_least(1, 5, 0)
    }

    /// `TaskGroup.PreventRescheduleOnLost` (1.7.2).
    pub fn group_prevent_reschedule_on_lost(self) -> bool {
        self.at_least(1, 7, 2)
    }

    /// `TaskGroup.Disconnect` (1.8.0, `group.go`).
    pub fn group_disconnect(self) -> bool {
        self.at_least(1, 8, 0)
    }

    /// `Task.Identity` (1.5.0, `workload_id.go`), `null` unless the job sets one.
    pub fn task_identity(self) -> bool {
        self.at_least(1, 5, 0)
    }

    /// Workload identities (1.7.0): `Task.Identities`, `Task.Consul`, `Task.Actions`, the
    /// named `WorkloadIdentity` fields, and every task given the `default` identity by
    /// `Task.Canonicalize` (audience `nomadproject.io`).
    pub fn workload_identities(self) -> bool {
        self.at_least(1, 7, 0)
    }

    /// `WorkloadIdentity.Filepath` (1.9.0, `workload_id.go`).
    pub fn identity_filepath(self) -> bool {
        self.at_least(1, 9, 0)
    }

    /// `Task.Secrets` (1.11.0).
    pub fn task_secrets(self) -> bool {
        self.at_least(1, 11, 0)
    }

    /// `RestartPolicy.RenderTemplates` (1.6.2).
    pub fn restart_policy_render_templates(self) -> bool {
        self.at_least(1, 6, 2)
    }

    /// `LogConfig.Enabled`, in 1.5.4 only.
    pub fn log_config_enabled(self) -> bool {
        self == NomadVersion::new(1, 5, 4)
    }

    /// `LogConfig.Disabled` (1.5.5), which replaced `Enabled`.
    pub fn log_config_disabled(self) -> bool {
        self.at_least(1, 5, 5)
    }

    /// `Node.LastMissedHeartbeatIndex` and `Node.LastAllocUpdateIndex` (1.4.5).
    pub fn node_heartbeat_indexes(self) -> bool {
        self.at_least(1, 4, 5)
    }

    /// `Node.NodeMaxAllocs` and `Node.GCVolumesOnNodeGC` (1.10.2).
    pub fn node_max_allocs(self) -> bool {
        self.at_least(1, 10, 2)
    }

    /// `Node.IdentitySigningKeyID` (1.11.0).
    pub fn node_identity(self) -> bool {
        self.at_least(1, 11, 0)
    }

    /// The pre-0.9 `Node.Resources` and `Node.Reserved`, removed in 1.11.0.
    pub fn node_legacy_resources(self) -> bool {
        !self.at_least(1, 11, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_flag() {
        assert_eq!("1.11".parse(), Ok(NomadVersion::LATEST));
        assert_eq!("1.10".parse(), Ok(NomadVersion::new(1, 10, 5)));
        assert_eq!("v1.6.3".parse(), Ok(NomadVersion::new(1, 6, 3)));
        assert_eq!("1.4".parse(), Ok(NomadVersion::new(1, 4, 14)));
        assert_eq!("1.3".parse::<NomadVersion>(), Err(VersionError::Unsupported(NomadVersion::new(1, 3, 0))));
        assert_eq!("1.12.0".parse::<NomadVersion>(), Err(VersionError::Unsupported(NomadVersion::new(1, 12, 0))));
        assert!(matches!("one".parse::<NomadVersion>(), Err(VersionError::Malformed(_))));
        assert!(matches!("1".parse::<NomadVersion>(), Err(VersionError::Malformed(_))));
        assert!(matches!("1.2.3.4".parse::<NomadVersion>(), Err(VersionError::Malformed(_))));
        assert!("1.3".parse::<NomadVersion>().unwrap_err().to_string().contains("supports 1.4.0 to 1.11.3"));
    }

    #[test]
    fn reads_what_agents_report() {
        assert_eq!(NomadVersion::parse_any("1.11.3+ent"), Ok(NomadVersion::new(1, 11, 3)));
        assert_eq!(NomadVersion::parse_any("1.7.0-beta.1"), Ok(NomadVersion::new(1, 7, 0)));
        assert_eq!(NomadVersion::parse_any("0.8.6"), Ok(NomadVersion::new(0, 8, 6)));
    }

    #[test]
    fn behaviours_change_where_nomad_changed_them() {
        let v = |s: &str| s.parse::<NomadVersion>().unwrap();
        assert!(!v("1.10.0").token_self_is_who_am_i() && v("1.10.1").token_self_is_who_am_i());
        assert!(!v("1.5").host_cpu_total_percent() && v("1.6.0").host_cpu_total_percent());
        assert!(NomadVersion::modelled().windows(2).all(|w| w[0] < w[1]));
    }

    /// The first patch tag whose `nomad/structs` has the field (and the last without), found by
    /// reading every tag from v1.4.0 to v1.11.3.
    #[test]
    fn wire_shapes_change_where_nomad_changed_them() {
        let v = |s: &str| NomadVersion::parse_any(s).unwrap();
        type Present = fn(NomadVersion) -> bool;
        let cases: &[(Present, &str, &str)] = &[
            (NomadVersion::alloc_stub_next_allocation, "1.5.17", "1.6.0"),
            (NomadVersion::alloc_signing_key_id, "1.4.2", "1.4.3"),
            (NomadVersion::desired_transition_migrate_disable_placement, "1.10.5", "1.11.0"),
            (NomadVersion::task_schedules, "1.7.7", "1.8.0"),
            (NomadVersion::reschedule_tracker_last_reschedule, "1.8.0", "1.8.1"),
            (NomadVersion::alloc_metric_node_pool, "1.10.3", "1.10.4"),
            (NomadVersion::numa, "1.6.10", "1.7.0"),
            (NomadVersion::resources_secrets_mb, "1.8.2", "1.8.3"),
            (NomadVersion::network_cni, "1.8.1", "1.8.2"),
            (NomadVersion::port_ignore_collision, "1.8.4", "1.9.0"),
            (NomadVersion::job_ui, "1.7.7", "1.8.0"),
            (NomadVersion::job_version_tag, "1.8.4", "1.9.0"),
            (NomadVersion::job_stub_meta, "1.4.2", "1.4.3"),
            (NomadVersion::job_default_datacenters, "1.4.14", "1.5.0"),
            (NomadVersion::group_prevent_reschedule_on_lost, "1.7.1", "1.7.2"),
            (NomadVersion::group_disconnect, "1.7.7", "1.8.0"),
            (NomadVersion::task_identity, "1.4.14", "1.5.0"),
            (NomadVersion::workload_identities, "1.6.10", "1.7.0"),
            (NomadVersion::identity_filepath, "1.8.4", "1.9.0"),
            (NomadVersion::task_secrets, "1.10.5", "1.11.0"),
            (NomadVersion::restart_policy_render_templates, "1.6.1", "1.6.2"),
            (NomadVersion::log_config_disabled, "1.5.4", "1.5.5"),
            (NomadVersion::node_heartbeat_indexes, "1.4.4", "1.4.5"),
            (NomadVersion::node_max_allocs, "1.10.1", "1.10.2"),
            (NomadVersion::node_identity, "1.10.5", "1.11.0"),
        ];
        for (present, before, since) in cases {
            assert!(!present(v(before)) && present(v(since)), "{before} / {since}");
        }
        // Removed: TaskHandle, the job's Consul and Vault tokens (1.10.0), the node's pre-0.9
        // resources (1.11.0); `LogConfig.Enabled` lived in 1.5.4 only.
        assert!(v("1.9.7").task_state_task_handle() && !v("1.10.0").task_state_task_handle());
        assert!(v("1.9.7").job_consul_vault_tokens() && !v("1.10.0").job_consul_vault_tokens());
        assert!(v("1.10.5").node_legacy_resources() && !v("1.11.0").node_legacy_resources());
        assert!(!v("1.5.3").log_config_enabled() && v("1.5.4").log_config_enabled() && !v("1.5.5").log_config_enabled());
    }
}
