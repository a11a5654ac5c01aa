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
}
