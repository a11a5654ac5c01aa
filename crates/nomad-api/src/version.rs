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
    /// The major release: 1 for every release Caravan supports.
    pub major: u16,
    /// The minor release: 4 to 11 for the supported lines.
    pub minor: u16,
    /// The patch release within the minor line.
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
    /// The release `major.minor.patch`; usable in `const`s.
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

    /// Whether this release is `major.minor.patch` or later, in release order.
    pub fn at_least(self, major: u16, minor: u16, patch: u16) -> bool {
        self >= NomadVersion::new(major, minor, patch)
    }

    /// `GET /v1/acl/token/self` answers through `ACL.WhoAmI` (hashicorp/nomad#25547, first
    /// released in 1.10.1; `command/agent/acl_endpoint.go` `aclTokenSelf`): with ACLs off it
    /// answers 200 with the `acls-disabled` token, without a token 200 with the `anonymous`
    /// token, for an unknown secret 403 `Permission denied`, and for one that is not a UUID
    /// 500 (`failed to parse signed token: ...`). Before, through `ACL.ResolveToken`
    /// (`nomad/acl_endpoint.go`, `ACLTokenBySecretID` in `nomad/state/state_store.go`): 400
    /// `ACL support disabled`; without a secret 500 `acl token lookup failed: missing secret
    /// id`; for a secret memdb cannot read as a UUID 500 `acl token lookup failed: index
    /// error: ...`; for an unknown UUID 404 `ACL token not found`.
    pub fn token_self_is_who_am_i(self) -> bool {
        self.at_least(1, 10, 1)
    }

    /// The HTTP agent's `ResolveToken` (`command/agent/http.go`, which `/v1/agent/self`
    /// calls) goes through `Authenticate` then `ResolveACL` (1.11.1, hashicorp/nomad#27103):
    /// an unknown secret is `Permission denied` (403), one that is not a UUID the workload
    /// identity parser's error (500), both after `ACL token not found or invalid workload
    /// identity: `. Before, through the server's `ResolveToken` (`nomad/acl.go`, from 1.7
    /// `nomad/auth/auth.go` `resolveTokenFromSnapshotCache`): `ACL token not found` (403), or
    /// the state store's error (500) after `failed to resolve ACL token: `.
    pub fn http_resolve_token_authenticates(self) -> bool {
        self.at_least(1, 11, 1)
    }

    /// The client resolves the secret of a `/v1/client/*` request (and of
    /// `/v1/agent/servers`) through `ACL.WhoAmI`, which authenticates it (1.5.0;
    /// `client/acl.go` `resolveTokenValue`, `nomad/acl_endpoint.go` `WhoAmI`, `Authenticate`
    /// in `nomad/acl.go`, from 1.7 `nomad/auth/auth.go`): an unknown UUID is `Permission
    /// denied` (403), any other secret fails in the identity claim parser (500, see
    /// [`NomadVersion::claims_parsed_by_go_jose`]). Before, through `ACL.ResolveToken`
    /// (`StateStore.ACLTokenBySecretID`): an unknown UUID is `ACL token not found` (403), a
    /// secret memdb cannot read as a UUID `acl token lookup failed: index error: ...` (500).
    pub fn client_resolves_token_with_who_am_i(self) -> bool {
        self.at_least(1, 5, 0)
    }

    /// Identity claims are parsed by go-jose (`jwt.ParseSigned` in `nomad/encrypter.go`
    /// `VerifyClaim`, 1.7.0): a secret that is not three dot-separated parts fails with
    /// `failed to parse signed token: go-jose/go-jose: compact JWS format must have three
    /// parts`. Before, by golang-jwt (`jwt.ParseWithClaims`, wrapped in `failed to verify
    /// token: `): v4 in 1.5 (`token contains an invalid number of segments`), v5 from 1.6.0
    /// (`token is malformed: token contains an invalid number of segments`); see `go.mod`.
    pub fn claims_parsed_by_go_jose(self) -> bool {
        self.at_least(1, 7, 0)
    }

    /// golang-jwt v5 (1.6.0, `go.mod`; `nomad/encrypter.go`) rather than v4 parses identity
    /// claims, until go-jose takes over ([`NomadVersion::claims_parsed_by_go_jose`]).
    pub fn claims_parsed_by_jwt_v5(self) -> bool {
        self.at_least(1, 6, 0)
    }

    /// `parseToken` trims surrounding white space from `X-Nomad-Token` (1.5.2,
    /// hashicorp/nomad#16469; never in the 1.4 line; `command/agent/http.go`). Before, the
    /// header's value is the secret as sent (Go's header parser cuts only spaces and tabs).
    pub fn trims_x_nomad_token(self) -> bool {
        self.at_least(1, 5, 2)
    }

    /// Server endpoints authenticate the caller before anything else (`Server.Authenticate`
    /// in `nomad/acl.go`, first in 1.5.0): an unknown secret is `Permission denied` (403).
    /// Before, `ResolveToken` failed with `ACL token not found` (also 403).
    pub fn server_authenticates(self) -> bool {
        self.at_least(1, 5, 0)
    }

    /// `/v1/acl/auth-methods` exists (SSO auth methods arrived in 1.5.0,
    /// `command/agent/http.go` `registerHandlers`); before, Nomad's root handler answers 404.
    pub fn acl_auth_methods(self) -> bool {
        self.at_least(1, 5, 0)
    }

    /// A namespace's `policy = "read"` also grants `host-volume-read` and `"write"` also
    /// `host-volume-create`, and host volume capabilities imply others (dynamic host volumes,
    /// 1.10.0; `acl/policy.go` `expandNamespacePolicy`, `expandNamespaceCapabilities`).
    pub fn namespace_policy_host_volumes(self) -> bool {
        self.at_least(1, 10, 0)
    }

    /// A namespace's `policy = "scale"` also grants `read-job` and `submit-recommendation`
    /// (1.11.1, `acl/policy.go` `expandNamespacePolicy`).
    pub fn scale_policy_reads_job(self) -> bool {
        self.at_least(1, 11, 1)
    }

    /// `/v1/acl/policies` entries carry `JobACL` (`ACLPolicyListStub`, 1.10.2,
    /// hashicorp/nomad#25588, which also added `/v1/acl/policy/self`).
    pub fn policy_stub_job_acl(self) -> bool {
        self.at_least(1, 10, 2)
    }

    /// `/v1/acl/policy/self` lists the caller's policies (`aclSelfPolicy` in
    /// `command/agent/acl_endpoint.go`, 1.10.2, hashicorp/nomad#25588); before, `self` is
    /// just a policy name.
    pub fn acl_policy_self(self) -> bool {
        self.at_least(1, 10, 2)
    }

    /// `RulesJSON` (Nomad's `acl.Policy`) carries `ExtraKeysHCL` (always `null`), 1.11.0.
    pub fn rules_json_extra_keys(self) -> bool {
        self.at_least(1, 11, 0)
    }

    /// The operator rule has fine-grained `Capabilities` and policies a `Sentinel` rule
    /// (`acl/policy.go` `OperatorPolicy`, `Policy.Sentinel`, 1.11.3).
    pub fn operator_capabilities(self) -> bool {
        self.at_least(1, 11, 3)
    }

    /// `/v1/client/stats` `CPU[]` entries carry `TotalPercent` and `TotalTicks` in place of
    /// `Total` (`CPUStats` in `client/stats/host.go` up to 1.6, `client/hoststats/host.go`
    /// from 1.7; changed in 1.6.0).
    pub fn host_cpu_total_percent(self) -> bool {
        self.at_least(1, 6, 0)
    }

    /// `raw_exec` checks a task's `User` in `StartTask` before launching it (`Driver.Validate`
    /// in `drivers/rawexec/driver_unix.go` and `Validator.HasValidIDs` in
    /// `drivers/shared/validators/validators.go`, first released in 1.9.2): an unknown user
    /// fails the task with `failed driver config validation: failed to identify user "X": user:
    /// unknown user X`. Before, only the executor's `setCmdUser` looked the user up
    /// (`drivers/shared/executor/executor_unix.go`): `failed to launch command with executor:
    /// rpc error: code = Unknown desc = failed to identify user X: user: unknown user X`.
    pub fn raw_exec_validates_user(self) -> bool {
        self.at_least(1, 9, 2)
    }

    /// Jobs and nodes carry a `NodePool` (node pools arrived in 1.6.0, `nomad/structs/structs.go`
    /// `Job.NodePool`, `Node.NodePool`), and `/v1/node/pools` exists.
    pub fn node_pools(self) -> bool {
        self.at_least(1, 6, 0)
    }

    /// The docker driver names `RSS` among the memory fields it measures on cgroups v2
    /// (hashicorp/nomad#25751, 1.10.1; `drivers/docker/util/stats_posix.go`
    /// `DockerCgroupV2MeasuredMemStats`). Before, only `Cache`, `Swap` and `Usage`.
    pub fn docker_cgroup_v2_measures_rss(self) -> bool {
        self.at_least(1, 10, 1)
    }

    /// `/v1/client/allocation/:id/stats` sums only running tasks into the allocation's
    /// `ResourceUsage` and `Timestamp` (hashicorp/nomad#27317, 1.11.2;
    /// `client/allocrunner/alloc_runner.go` `LatestAllocStats`). A finished task keeps its last
    /// sample in `Tasks` in every release; before 1.11.2 it counted in the sum too.
    pub fn alloc_usage_sums_running_tasks_only(self) -> bool {
        self.at_least(1, 11, 2)
    }

    /// Once an exec command has exited and its exit frame went out, the agent sends a close
    /// frame `1000` with no reason before it closes the connection. hashicorp/nomad#19932
    /// (1.5.15, 1.6.8, 1.7.5 and later; `command/agent/alloc_endpoint.go` `execStreamImpl`,
    /// `execStreamHandleError`) throws the pipe's closed error away instead, so the connection
    /// just closes: the browser reports 1006.
    pub fn exec_closes_normally_after_exit(self) -> bool {
        !self.has_backport(1, [(5, 15), (6, 8), (7, 5)])
    }

    /// Whether the agent's exec stream takes an error with this message for the end of its
    /// pipe or of the socket (`isClosedError` in `command/agent/alloc_endpoint.go`) and so ends
    /// the connection without a close frame. Up to hashicorp/nomad#19172 (1.5.11, 1.6.4,
    /// 1.7.0) any message containing `closed` or `EOF`; from then until #19932 (1.5.15,
    /// 1.6.8, 1.7.5) only `close 1000`, `close 1001` and `close 1005`; after, all five.
    pub fn exec_error_is_closed(self, message: &str) -> bool {
        let after_19172 = self.has_backport(1, [(5, 11), (6, 4), (7, 0)]);
        let after_19932 = self.has_backport(1, [(5, 15), (6, 8), (7, 5)]);
        let pipe = (!after_19172 || after_19932) && ["closed", "EOF"].iter().any(|w| message.contains(w));
        let socket = after_19172 && ["close 1000", "close 1001", "close 1005"].iter().any(|w| message.contains(w));
        pipe || socket
    }

    /// A token that does not resolve ends an exec session with code 400 (close 1008); before
    /// 1.7.0, without a code (close 1011) (`client/alloc_endpoint.go` `execImpl`).
    pub fn exec_token_error_is_bad_request(self) -> bool {
        self.at_least(1, 7, 0)
    }

    /// The server refuses to forward an exec session to an allocation whose client status is
    /// terminal (complete, failed, lost): 400 `exec not possible, client status of allocation
    /// <id> is <status>` (1.7.0; `nomad/client_alloc_endpoint.go` `exec`).
    pub fn exec_refuses_terminal_allocations(self) -> bool {
        self.at_least(1, 7, 0)
    }

    /// raw_exec and exec run an exec'd command in the task's working directory
    /// (hashicorp/nomad#24249, 1.9.2; `drivers/shared/executor/executor.go` `ExecStreaming`);
    /// before, in `/`.
    pub fn exec_runs_in_task_dir(self) -> bool {
        self.at_least(1, 9, 2)
    }

    /// `/v1/client/fs/logs` refuses a token that may read neither the files nor the logs with
    /// 403; before, the client sent `Permission denied` without a code, which the agent
    /// answers with 500 (a security fix backported to 1.4.13, 1.5.9, 1.6.2 and in 1.7.0,
    /// hashicorp/nomad#18275; `client/fs_endpoint.go` `logs`).
    pub fn fs_logs_denial_is_forbidden(self) -> bool {
        self.has_backport(1, [(4, 13), (5, 9), (6, 2)])
    }

    /// Whether this release has a fix that reached each listed `(minor, patch)` of `major`:
    /// that patch and later in its line, and every later minor line than the first listed.
    fn has_backport<const N: usize>(self, major: u16, lines: [(u16, u16); N]) -> bool {
        if self.major != major {
            return self.major > major;
        }
        match lines.iter().find(|(minor, _)| *minor == self.minor) {
            Some((_, patch)) => self.patch >= *patch,
            None => lines.first().is_some_and(|(first, _)| self.minor > *first),
        }
    }
    /// The built-in node pools carry `NodeIdentityTTL` (24h): the field and its default came
    /// with node identities in 1.11.0 (`nomad/structs/node_pool.go`,
    /// `nomad/state/state_store_node_pools.go` `nodePoolInit`).
    pub fn node_pool_identity_ttl(self) -> bool {
        self.at_least(1, 11, 0)
    }

    /// `GET /v1/job/:id/submission` exists (1.6.0, `command/agent/job_endpoint.go`
    /// `jobSubmissionCRUD`). Before, the path falls to `jobCRUD` as the job ID
    /// `":id/submission"`, which is `404 job not found`.
    pub fn job_submissions(self) -> bool {
        self.at_least(1, 6, 0)
    }

    /// A submission's `-var` flag values reach the servers query-escaped, and are weighed so
    /// against `job_max_source_size` (1.10.0, hashicorp/nomad#24423: `api/jobs.go`
    /// `JobSubmission.Canonicalize`; `command/agent/job_endpoint.go` unescapes them when it
    /// answers `/submission`, so what is served is what was sent).
    pub fn job_submission_flags_escaped(self) -> bool {
        self.at_least(1, 10, 0)
    }

    /// `GET /v1/node/pool/:name/jobs?reverse=true` in one namespace reads the jobs backwards
    /// (1.8.0, `nomad/node_pool_endpoint.go` `ListJobs` passes `QueryOptionSort` to
    /// `JobsByNamespace`); before, they are read forwards (the paginator still compares
    /// tokens backwards).
    pub fn node_pool_jobs_sorted(self) -> bool {
        self.at_least(1, 8, 0)
    }

    /// Job versions can be tagged, and `GET /v1/job/:id/versions` reads `diff_tag` and
    /// `diff_version` (1.9.0, `command/agent/job_endpoint.go` `jobVersions`).
    pub fn job_version_tags(self) -> bool {
        self.at_least(1, 9, 0)
    }

    /// Search checks `plugin` and `variables` rules for those contexts, and refuses a
    /// context only by its own rule (CVE-2023-3300, hashicorp/nomad a8789d3872, fixed in
    /// 1.4.11, 1.5.7 and 1.6.0; `nomad/search_endpoint.go` `sufficientSearchPerms`,
    /// `filteredSearchContexts`). Before, plugins were open to any token, variables were
    /// searched with read-job, and a token with no node, namespace or read-job rights was
    /// refused whatever the context.
    pub fn search_checks_plugin_and_variable_rules(self) -> bool {
        match (self.major, self.minor) {
            (1, 4) => self.patch >= 11,
            (1, 5) => self.patch >= 7,
            _ => self.at_least(1, 6, 0),
        }
    }

    /// `/v1/agent/monitor` reads `log_include_location` (1.6.3, hashicorp/nomad 04ac878c89,
    /// `command/agent/agent_endpoint.go` `AgentMonitor`); before, the parameter is ignored.
    pub fn monitor_include_location(self) -> bool {
        self.at_least(1, 6, 3)
    }

    /// Dynamic host volumes (1.10.0): `GET /v1/volumes` dispatches on `type` (`host`, `csi`,
    /// anything else `404 resource not found`; `command/agent/volumes_endpoint.go`) and search
    /// has a `host_volumes` context (`nomad/search_endpoint.go`). Before, `/v1/volumes` is
    /// `CSIVolumesRequest`, where a `type` other than `csi` answers an empty body.
    pub fn host_volumes(self) -> bool {
        self.at_least(1, 10, 0)
    }

    /// `Variables.List` for one namespace first requires `list` on the requested prefix,
    /// refusing tokens without it (`handleMixedAuthEndpoint`, 1.4.0 to 1.4.2); from 1.4.3
    /// (hashicorp/nomad 8c02c0948f, `nomad/variables_endpoint.go`) it filters the variables
    /// instead, so such a token gets an empty list.
    pub fn variables_list_checks_prefix(self) -> bool {
        !self.at_least(1, 4, 3)
    }

    /// The event stream checks the token against every namespace it covers, `*` standing for
    /// each namespace existing when the stream opens, and sends only those namespaces' events
    /// (hashicorp/nomad#25089, c4f232f23e, first released in 1.10.0; `validateACL` in
    /// `nomad/event_endpoint.go`, `filter` in `nomad/stream/subscription.go`). Before, it
    /// checked the namespace as asked (`*` passing when any namespace allows `read-job`) and
    /// only with ACLs on (`SubscribeWithACLCheck`), and `*` let every namespace's events
    /// through. The host and CSI volume and CSI plugin topics have their own rules from the
    /// same release.
    pub fn event_stream_checks_each_namespace(self) -> bool {
        self.at_least(1, 10, 0)
    }

    /// `GET /v1/jobs/statuses`, the web UI's paginated job index (1.8.0,
    /// `command/agent/job_endpoint_statuses.go`, `nomad/job_endpoint_statuses.go`); before, the
    /// path falls to the root handler: 404.
    pub fn job_statuses(self) -> bool {
        self.at_least(1, 8, 0)
    }

    /// `JobStatusesJob.Stop` and `.Status` (1.8.1, `nomad/structs/job.go`).
    pub fn job_statuses_status(self) -> bool {
        self.at_least(1, 8, 1)
    }

    /// `JobStatusesJob.IsPack` (1.8.3, `nomad/structs/job.go`).
    pub fn job_statuses_is_pack(self) -> bool {
        self.at_least(1, 8, 3)
    }

    /// The event stream's `Operator` topic, subscribed with operator read (1.11.0,
    /// `validateNsOp` in `nomad/event_endpoint.go`); before it needs a management token.
    pub fn event_stream_operator_topic(self) -> bool {
        self.at_least(1, 11, 0)
    }

    /// The event stream writes its `200` head on the hijacked connection before the stream
    /// RPC answers (1.11.2, `EventStream` in `command/agent/event_endpoint.go`, hashicorp/nomad
    /// 9d2aef07f6 and 5e4a8d9e25): an error the RPC gives (`Permission denied`, a region it
    /// cannot reach, `EventBroker not configured`) ends a `200` with no body, and one in the
    /// middle of the stream just closes it, never gzipped. Before, such an error before the
    /// first line is its own status (403, 500) with the message as body, and one after it is
    /// written after the last line.
    pub fn event_stream_hijacked(self) -> bool {
        self.at_least(1, 11, 2)
    }

    /// A purged job sends a Job event carrying the job as it was (`eventFromChange` in
    /// `nomad/state/events.go`, its deleted-`jobs` case: hashicorp/nomad #19903, 1.8.0 and
    /// backported to 1.7.5). Before, a purge sends no Job event.
    pub fn job_purge_event(self) -> bool {
        self.at_least(1, 7, 5)
    }

    /// That event's payload says `"Deleted": true` (`structs.JobEvent.Deleted`,
    /// `nomad/structs/event.go`, hashicorp/nomad #27629, 1.11.3); before, a purge's event
    /// reads as a stop's.
    pub fn job_event_deleted(self) -> bool {
        self.at_least(1, 11, 3)
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

/// Why a `--nomad-version` (or other version text) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The text is not a version such as `1.11` or `1.6.3` (a `v` prefix and a `-`/`+` suffix
    /// are allowed); holds the text.
    #[error("{0:?} is not a Nomad version: expected MAJOR.MINOR or MAJOR.MINOR.PATCH, such as 1.11 or 1.6.3")]
    Malformed(String),
    /// A well-formed release Caravan does not support: outside [`NomadVersion::OLDEST`] to
    /// [`NomadVersion::LATEST`], or a bare minor line with no modelled patch.
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
        let has_patch =
            text.trim().trim_start_matches('v').split(['-', '+']).next().unwrap_or_default().matches('.').count() == 2;
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

    /// A job's priority is checked by the `jobValidate` admission hook against the server's
    /// `job_max_priority` (default 100), after `Job.Validate`'s errors, as `job priority must
    /// be between [1, 100]` (hashicorp/nomad#16084, 1.5.0; `nomad/job_endpoint_hooks.go`).
    /// Before, `Job.Validate` checked it after the job type, as `Job priority must be between
    /// [1, 100]` (`nomad/structs/structs.go` at 1.4.0).
    pub fn job_priority_checked_by_hook(self) -> bool {
        self.at_least(1, 5, 0)
    }

    /// `POST /v1/allocation/:id/stop` reads `no_shutdown_delay` and `reschedule` with `parseBool`
    /// (`Failed to parse value of "no_shutdown_delay" (x) as a bool: ...`, 1.11.0;
    /// `command/agent/alloc_endpoint.go` `allocStop`). Before, only `no_shutdown_delay`, as
    /// `no_shutdown_delay value is not a boolean: ...`. Both uncoded (500).
    pub fn alloc_stop_reschedule(self) -> bool {
        self.at_least(1, 11, 0)
    }

    /// `GET /v1/nodes` reports a `resources` or `os` that is not a boolean as `400 Failed to
    /// parse node list fields: ...` (`parseNodeListStubFields`, 1.6.0;
    /// `command/agent/node_endpoint.go` `NodesRequest`); before, `parseBool`'s error uncoded (500).
    pub fn node_list_fields_error_coded(self) -> bool {
        self.at_least(1, 6, 0)
    }

    /// `Task.Validate` refuses a task named `alloc`, which would share the allocation's
    /// `alloc/` directory (`Task cannot be named "alloc"`, hashicorp/nomad#27001, 1.11.0;
    /// `nomad/structs/structs.go`). Before, such a task was accepted.
    pub fn task_named_alloc_refused(self) -> bool {
        self.at_least(1, 11, 0)
    }

    /// `Constraint.Validate` checks the constraint's attribute (`validateConstraintAttribute`,
    /// `nomad/structs/constraint.go`, 1.11.2): an interpolated `LTarget` must be a node field
    /// or an `attr.`, `device.` or `meta.` one, and a missing one reads `no attribute provided
    /// but is required by operator` (before: `No LTarget provided but is required by
    /// constraint`, and any attribute passed).
    pub fn constraint_attribute_checked(self) -> bool {
        self.at_least(1, 11, 2)
    }

    /// Validation messages say `block` where they said `stanza` (`System jobs may not have a
    /// spread block`, `Spread block must have a positive weight from 0 to 100`; hashicorp/nomad
    /// #15941, 1.5.0; `nomad/structs/structs.go`).
    pub fn validation_says_block(self) -> bool {
        self.at_least(1, 5, 0)
    }

    /// `TaskGroup.Validate` appends a policy's errors with `multierror.Append`, which flattens
    /// them into the group's list (1.8.0); before, each policy's list was one nested point
    /// (`nomad/structs/structs.go`).
    pub fn group_policy_errors_flattened(self) -> bool {
        self.at_least(1, 8, 0)
    }

    /// `TaskGroup.Validate` refuses a reschedule policy in sysbatch jobs too, `System or
    /// sysbatch jobs should not have a reschedule policy` (1.11.0); before, only in system
    /// jobs, `System jobs should not have a reschedule policy` (`nomad/structs/structs.go`).
    pub fn sysbatch_reschedule_refused(self) -> bool {
        self.at_least(1, 11, 0)
    }

    /// `PeriodicConfig.Specs`, several cron specs (1.7.0; `Only cron or crons may be used`
    /// when both are given, `nomad/structs/structs.go`). Before, `Specs` is no field.
    pub fn periodic_specs(self) -> bool {
        self.at_least(1, 7, 0)
    }

    /// `TaskGroup.PreventRescheduleOnLost` (1.7.2).
    pub fn group_prevent_reschedule_on_lost(self) -> bool {
        self.at_least(1, 7, 2)
    }

    /// `TaskGroup.Diff` diffs the group's `migrate` block as a `Migrate` object (1.10.0,
    /// `nomad/structs/diff.go`); before, a changed block shows only as an edited group.
    pub fn group_diff_migrate(self) -> bool {
        self.at_least(1, 10, 0)
    }

    /// `Service.Cluster` and `Service.Identity` (1.7.0, `nomad/structs/services.go`).
    pub fn service_cluster(self) -> bool {
        self.at_least(1, 7, 0)
    }

    /// `Service.Weights` (1.9.2, `nomad/structs/services.go`).
    pub fn service_weights(self) -> bool {
        self.at_least(1, 9, 2)
    }

    /// `Service.Kind` (1.10.3, `nomad/structs/services.go`).
    pub fn service_kind(self) -> bool {
        self.at_least(1, 10, 3)
    }

    /// `ServiceCheck.TLSServerName` (1.6.0, `nomad/structs/services.go`).
    pub fn check_tls_server_name(self) -> bool {
        self.at_least(1, 6, 0)
    }

    /// `ServiceCheck.FailuresBeforeWarning` (1.7.3, `nomad/structs/services.go`).
    pub fn check_failures_before_warning(self) -> bool {
        self.at_least(1, 7, 3)
    }

    /// `ServiceCheck.Notes` (1.8.1, `nomad/structs/services.go`).
    pub fn check_notes(self) -> bool {
        self.at_least(1, 8, 1)
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

/// How `Node.UpdateEligibility`'s `createNodeEvals` (`nomad/node_endpoint.go`) picks the jobs a
/// node made eligible again evaluates, and go-bexpr's grammar, by release.
impl NomadVersion {
    /// A system job's `Datacenters` are globs matched against the node's (`Node.IsInDC`,
    /// 1.5.0); before, one of them must equal the node's datacenter.
    pub fn node_evals_datacenter_globs(self) -> bool {
        self.at_least(1, 5, 0)
    }

    /// A system job is evaluated only if the node is in its node pool (`Node.IsInPool`, the
    /// `all` pool holding every node; 1.6.0).
    pub fn node_evals_node_pool(self) -> bool {
        self.at_least(1, 6, 0)
    }

    /// Allocations of sysbatch jobs create no evaluation (hashicorp/nomad #23858, 1.9.0).
    pub fn node_evals_skip_sysbatch(self) -> bool {
        self.at_least(1, 9, 0)
    }

    /// By job type (1.11.2): a service allocation stopped by the server and finished on the
    /// client, or a finished batch one (`Terminated`), creates no evaluation; system
    /// allocations are left to the system-job pass and other types skipped; a stopped system
    /// job is not evaluated. Before, every allocation's job was evaluated.
    pub fn node_evals_skip_terminal(self) -> bool {
        self.at_least(1, 11, 2)
    }

    /// A job is counted as evaluated only once an evaluation is made for it (hashicorp/nomad
    /// #27499, 1.11.3). In 1.11.2 an allocation that was skipped marked its job done, so a
    /// system job running on the node got no evaluation from either pass.
    pub fn node_evals_dedup_after_skip(self) -> bool {
        self.at_least(1, 11, 3)
    }

    /// go-bexpr's `is nil` and `is not nil` (go-bexpr v0.1.16 `grammar/grammar.peg`, the
    /// `go.mod` of Nomad 1.11.3); before (v0.1.11 to v0.1.15), a parse error.
    pub fn filter_is_nil(self) -> bool {
        self.at_least(1, 11, 3)
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
        assert!(!v("1.4").server_authenticates() && v("1.5.0").server_authenticates());
        assert!(!v("1.4").acl_auth_methods() && v("1.5.0").acl_auth_methods());
        assert!(!v("1.4.14").trims_x_nomad_token() && !v("1.5.1").trims_x_nomad_token());
        assert!(v("1.5.2").trims_x_nomad_token());
        assert!(!v("1.4.7").client_resolves_token_with_who_am_i() && v("1.5.0").client_resolves_token_with_who_am_i());
        assert!(!v("1.6.10").claims_parsed_by_go_jose() && v("1.7.0").claims_parsed_by_go_jose());
        assert!(!v("1.5.17").claims_parsed_by_jwt_v5() && v("1.6.0").claims_parsed_by_jwt_v5());
        assert!(!v("1.9").namespace_policy_host_volumes() && v("1.10.0").namespace_policy_host_volumes());
        assert!(!v("1.11.0").scale_policy_reads_job() && v("1.11.1").scale_policy_reads_job());
        assert!(!v("1.10.1").policy_stub_job_acl() && v("1.10.2").policy_stub_job_acl());
        assert!(!v("1.10.1").acl_policy_self() && v("1.10.2").acl_policy_self());
        assert!(!v("1.10").rules_json_extra_keys() && v("1.11.0").rules_json_extra_keys());
        assert!(!v("1.11.2").operator_capabilities() && v("1.11.3").operator_capabilities());
        assert!(!v("1.10.5").node_pool_identity_ttl() && v("1.11.0").node_pool_identity_ttl());
        assert!(!v("1.5.17").job_submissions() && v("1.6.0").job_submissions());
        assert!(!v("1.9.7").job_submission_flags_escaped() && v("1.10.0").job_submission_flags_escaped());
        assert!(!v("1.7.7").node_pool_jobs_sorted() && v("1.8.0").node_pool_jobs_sorted());
        assert!(!v("1.11.0").http_resolve_token_authenticates() && v("1.11.1").http_resolve_token_authenticates());
        assert!(!v("1.9.7").host_volumes() && v("1.10.0").host_volumes());
        assert!(!v("1.8.4").job_version_tags() && v("1.9.0").job_version_tags());
        assert!(!v("1.6.2").monitor_include_location() && v("1.6.3").monitor_include_location());
        let fixed = |s: &str| v(s).search_checks_plugin_and_variable_rules();
        assert!(
            !fixed("1.4.10") && fixed("1.4.11") && !fixed("1.5.6") && fixed("1.5.7") && fixed("1.6.0") && fixed("1.11")
        );
        assert!(v("1.4.2").variables_list_checks_prefix() && !v("1.4.3").variables_list_checks_prefix());
        assert!(NomadVersion::modelled().windows(2).all(|w| w[0] < w[1]));
        assert!(!v("1.10.0").docker_cgroup_v2_measures_rss() && v("1.10.1").docker_cgroup_v2_measures_rss());
        assert!(
            !v("1.11.1").alloc_usage_sums_running_tasks_only() && v("1.11.2").alloc_usage_sums_running_tasks_only()
        );
        assert!(!v("1.6.10").exec_token_error_is_bad_request() && v("1.7.0").exec_token_error_is_bad_request());
        assert!(!v("1.9.1").exec_runs_in_task_dir() && v("1.9.2").exec_runs_in_task_dir());
        assert!(!v("1.6.10").exec_refuses_terminal_allocations() && v("1.7.0").exec_refuses_terminal_allocations());
        let forbidden = ["1.4.13", "1.5.9", "1.6.2", "1.7.0", "1.11.3"].map(|s| v(s).fs_logs_denial_is_forbidden());
        let internal = ["1.4.12", "1.5.8", "1.6.1"].map(|s| v(s).fs_logs_denial_is_forbidden());
        assert_eq!((forbidden, internal), ([true; 5], [false; 3]));
    }

    #[test]
    fn exec_endings_follow_each_lines_backports() {
        let v = |s: &str| s.parse::<NomadVersion>().unwrap();
        let closes = ["1.4.0", "1.4.14", "1.5.14", "1.6.0", "1.6.7", "1.7.0", "1.7.4"];
        let drops = ["1.5.15", "1.5.17", "1.6.8", "1.7.5", "1.8.0", "1.10.5", "1.11.3"];
        assert!(closes.iter().all(|s| v(s).exec_closes_normally_after_exit()), "{closes:?}");
        assert!(drops.iter().all(|s| !v(s).exec_closes_normally_after_exit()), "{drops:?}");
        // The pipe's own words, then only the socket's codes, then both.
        let reason = r#"unknown task name "EOF""#;
        assert!(
            v("1.5.10").exec_error_is_closed(reason)
                && !v("1.5.10").exec_error_is_closed("websocket: close 1001 (going away)")
        );
        assert!(
            !v("1.6.4").exec_error_is_closed(reason)
                && v("1.7.0").exec_error_is_closed("websocket: close 1001 (going away)")
        );
        assert!(v("1.7.5").exec_error_is_closed(reason) && v("1.11.3").exec_error_is_closed("close 1005"));
        assert!(!v("1.11.3").exec_error_is_closed("Permission denied"));
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
            (NomadVersion::job_priority_checked_by_hook, "1.4.14", "1.5.0"),
            (NomadVersion::task_named_alloc_refused, "1.10.5", "1.11.0"),
            (NomadVersion::alloc_stop_reschedule, "1.10.5", "1.11.0"),
            (NomadVersion::node_list_fields_error_coded, "1.5.17", "1.6.0"),
            (NomadVersion::group_prevent_reschedule_on_lost, "1.7.1", "1.7.2"),
            (NomadVersion::group_disconnect, "1.7.7", "1.8.0"),
            (NomadVersion::group_diff_migrate, "1.9.7", "1.10.0"),
            (NomadVersion::service_cluster, "1.6.10", "1.7.0"),
            (NomadVersion::service_weights, "1.9.1", "1.9.2"),
            (NomadVersion::service_kind, "1.10.2", "1.10.3"),
            (NomadVersion::check_tls_server_name, "1.5.17", "1.6.0"),
            (NomadVersion::check_failures_before_warning, "1.7.2", "1.7.3"),
            (NomadVersion::check_notes, "1.8.0", "1.8.1"),
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
        assert!(
            !v("1.5.3").log_config_enabled() && v("1.5.4").log_config_enabled() && !v("1.5.5").log_config_enabled()
        );
    }
}
