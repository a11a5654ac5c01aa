//! The `Hash` Nomad's servers give ACL tokens, ACL policies and namespaces (`SetHash`): a
//! BLAKE2b-256 digest over the fields a user sets, written one after the other with nothing
//! between them, in the order below. Clients compare it to see whether an object changed;
//! JSON writes it base64 (a Go `[]byte`). The token's and the policy's fields are the same
//! from 1.4.0 to 1.11.3 (`nomad/structs/structs.go` at v1.4.0, `nomad/structs/acl.go` at
//! v1.11.3); the namespace's grew (see [`Namespace::set_hash`]).

use super::{AclPolicy, AclToken, Namespace};
use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};

type Blake2b256 = Blake2b<U32>;

fn digest<'a>(parts: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut hash = Blake2b256::new();
    for part in parts {
        hash.update(part.as_bytes());
    }
    hash.finalize().to_vec()
}

impl AclToken {
    /// `ACLToken.SetHash`: Name, Type, each policy, `global` or `local`, each role link's ID.
    /// The tokens Nomad makes up (`anonymous`, `acls-disabled`) never get one.
    pub fn set_hash(&mut self) {
        let scope = if self.global { "global" } else { "local" };
        let parts = [self.name.as_str(), self.kind.as_str()]
            .into_iter()
            .chain(self.policies.iter().map(String::as_str))
            .chain([scope])
            .chain(self.roles.iter().map(|r| r.id.as_str()));
        self.hash = digest(parts);
    }
}

impl AclPolicy {
    /// `ACLPolicy.SetHash`: Name, Description, Rules, then the JobACL's Namespace, JobID,
    /// Group and Task if it has one. `RulesJSON` is not hashed.
    pub fn set_hash(&mut self) {
        let job = self
            .job_acl
            .iter()
            .flat_map(|j| [j.namespace.as_str(), j.job_id.as_str(), j.group.as_str(), j.task.as_str()]);
        let parts = [self.name.as_str(), self.description.as_str(), self.rules.as_str()].into_iter().chain(job);
        self.hash = digest(parts);
    }
}

impl Namespace {
    /// `Namespace.SetHash` (`upsertNamespaceImpl` sets it on any namespace without one, the
    /// default namespace included): Name, Description, Quota, then the capabilities'
    /// drivers (1.4+) and network modes (1.9+), the node pool (1.6+), Vault and Consul (1.7+)
    /// configurations, and the meta by sorted key. This agent's namespaces have none of
    /// those after the description (an absent block adds nothing, an empty quota is an empty
    /// write), so their hash is the same in every release.
    pub fn set_hash(&mut self) {
        self.hash = digest([self.name.as_str(), self.description.as_str()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::{AclTokenRoleLink, JobAcl};

    /// Expected digests computed outside Rust, with Python's `hashlib.blake2b(data,
    /// digest_size=32)` over the same concatenation: an independent BLAKE2b-256.
    #[test]
    fn hashes_the_fields_in_nomads_order() {
        let mut token = AclToken {
            name: "t".into(),
            kind: "client".into(),
            policies: vec!["a".into(), "b".into()],
            roles: vec![AclTokenRoleLink { id: "r1".into(), name: "ignored".into() }],
            ..AclToken::default()
        };
        token.set_hash();
        // blake2b(b"tclientablocalr1", digest_size=32)
        assert_eq!(hex(&token.hash), "111604a6a38d9fdbc698da4fe04a83aac7c6dec3b55cca0eb50f0a18f89b00e5");
        let mut policy = AclPolicy {
            name: "p".into(),
            rules: "r".into(),
            job_acl: Some(JobAcl { namespace: "n".into(), job_id: "j".into(), group: "g".into(), task: "k".into() }),
            ..AclPolicy::default()
        };
        policy.set_hash();
        // blake2b(b"prnjgk", digest_size=32)
        assert_eq!(hex(&policy.hash), "5a2b9784c26f632b3f9ac51d3eb7fea907b2dd558131f24b834134fe053394d2");
        let mut ns = Namespace {
            name: "default".into(),
            description: "Default shared namespace".into(),
            ..Namespace::default()
        };
        ns.set_hash();
        // blake2b(b"defaultDefault shared namespace", digest_size=32)
        assert_eq!(hex(&ns.hash), "0bb51b8c3c012b474af3042aec8ce0ed2248cda57e948a365fbc11b73637a52c");
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
