//! Nomad's event stream, `GET /v1/event/stream`: the rules the agent serves it by and the
//! dashboard reads it by, kept once here (`command/agent/event_endpoint.go`,
//! `nomad/event_endpoint.go`, `nomad/stream/` and `nomad/structs/event.go`, v1.4.0 to v1.11.3).
//!
//! The stream is newline-delimited JSON: a `{}` heartbeat as soon as the stream opens and
//! every 30 seconds after (`NewJsonStream(ctx, 30*time.Second)`), and one
//! `{"Index":N,"Events":[...]}` line per Raft write that produced events the subscription
//! wants. A subscription starts *at* the batch of its `index` (inclusive), or at the first
//! batch after it; an `index` older than the buffer holds starts at the oldest batch held,
//! with no error (the broker only refuses with `StartExactlyAtIndex`, which the HTTP API never
//! sets), so a reader finds a gap by comparing the first `Index` it gets with the one it asked
//! for. `index=0` replays the whole buffer; an `index` past the newest batch gets the newest
//! batch again (`eventBuffer.StartAtClosest`). A reader that falls a whole buffer behind is
//! ended with `event dropped from buffer`.

use crate::acl::{cap, Acl};
use crate::version::NomadVersion;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// The heartbeat period (`nomad/event_endpoint.go`: `stream.NewJsonStream(ctx, 30*time.Second)`,
/// the same in every release from 1.4.0 to 1.11.3).
pub const HEARTBEAT: Duration = Duration::from_secs(30);
/// The heartbeat line (`stream.JsonHeartbeat`).
pub const HEARTBEAT_LINE: &str = "{}";
/// `event_buffer_size`'s default (`command/agent/config.go` `DefaultConfig`, and the
/// broker's minimum when it is 0): batches (Raft indexes) held, not events.
pub const DEFAULT_BUFFER_SIZE: usize = 100;
/// The error ending a stream whose reader fell behind the buffer (`bufferItem.Next`).
pub const EVENT_DROPPED: &str = "event dropped from buffer";
/// `StateStore.EventBroker` with `enable_event_broker = false`.
pub const BROKER_NOT_CONFIGURED: &str = "EventBroker not configured";

/// `structs.Topic*`.
pub mod topic {
    /// Deployments; keyed by deployment ID, filter keys the job ID.
    pub const DEPLOYMENT: &str = "Deployment";
    /// Evaluations; keyed by evaluation ID, filter keys the job and deployment IDs.
    pub const EVALUATION: &str = "Evaluation";
    /// Allocations; keyed by allocation ID, filter keys the job and deployment IDs.
    pub const ALLOCATION: &str = "Allocation";
    /// Jobs; keyed by job ID.
    pub const JOB: &str = "Job";
    /// Client nodes; keyed by node ID, with no namespace.
    pub const NODE: &str = "Node";
    /// Node pools (1.6.0+); keyed by pool name.
    pub const NODE_POOL: &str = "NodePool";
    /// Service registrations; keyed by registration ID.
    pub const SERVICE: &str = "Service";
    /// Dynamic host volumes (1.10.0+).
    pub const HOST_VOLUME: &str = "HostVolume";
    /// CSI volumes.
    pub const CSI_VOLUME: &str = "CSIVolume";
    /// CSI plugins.
    pub const CSI_PLUGIN: &str = "CSIPlugin";
    /// Operator events (1.11.0+); subscribing needs operator read.
    pub const OPERATOR: &str = "Operator";
    /// `TopicAll`, also the wildcard key.
    pub const ALL: &str = "*";
}

/// `structs.Type*`: an event's type is that of the Raft message that wrote it
/// (`nomad/state/events.go` `MsgTypeEvents`), not of the object: a job whose status moves
/// because a client reported its allocation is an `AllocationUpdated` Job event.
pub mod event_type {
    /// A client node registered with the servers.
    pub const NODE_REGISTRATION: &str = "NodeRegistration";
    /// A client node was deregistered (purged).
    pub const NODE_DEREGISTRATION: &str = "NodeDeregistration";
    /// Declared for eligibility changes, which Nomad in fact writes as `NodeDrain` (`MsgTypeEvents`).
    pub const NODE_ELIGIBILITY: &str = "NodeEligibility";
    /// A node's drain or scheduling eligibility was changed.
    pub const NODE_DRAIN: &str = "NodeDrain";
    /// A node's status or its own events (`Node.Events`) were updated.
    pub const NODE_EVENT: &str = "NodeStreamEvent";
    /// A deployment's status was changed.
    pub const DEPLOYMENT_STATUS_UPDATE: &str = "DeploymentStatusUpdate";
    /// An allocation was written by a client's status update.
    pub const ALLOCATION_UPDATED: &str = "AllocationUpdated";
    /// An allocation's desired transition was changed: `alloc stop`, a drain's migrate, a reschedule.
    pub const ALLOCATION_UPDATE_DESIRED_STATUS: &str = "AllocationUpdateDesiredStatus";
    /// An evaluation was created or updated.
    pub const EVALUATION_UPDATED: &str = "EvaluationUpdated";
    /// A job was registered (submitted or updated).
    pub const JOB_REGISTERED: &str = "JobRegistered";
    /// A job was deregistered (stopped, or purged with `Deleted`).
    pub const JOB_DEREGISTERED: &str = "JobDeregistered";
    /// The scheduler's plan was applied: its allocations and deployment changes.
    pub const PLAN_RESULT: &str = "PlanResult";
}

/// `EventStreamRequest.Topics`: each topic asked for, with its keys (`*` for all).
pub type Topics = BTreeMap<String, Vec<String>>;

/// `parseEventTopics`: every `topic` parameter as `Topic` or `Topic:Key` (`Topic` alone is
/// `Topic:*`); none at all is every topic (`*:*`). The error is Nomad's 400 body.
pub fn parse_topics(values: &[&str]) -> Result<Topics, String> {
    let mut topics = Topics::new();
    if values.is_empty() {
        topics.insert(topic::ALL.to_string(), vec![topic::ALL.to_string()]);
        return Ok(topics);
    }
    for value in values {
        let parts: Vec<&str> = value.split(':').collect();
        let (name, key) = match parts.as_slice() {
            [_] => (*value, topic::ALL),
            [name, key] => (*name, *key),
            _ => {
                return Err(format!(
                    "Invalid topic query: error parsing topics: Invalid key value pair for topic, topic: {value}"
                ))
            }
        };
        topics.entry(name.to_string()).or_default().push(key.to_string());
    }
    Ok(topics)
}

/// `strconv.Atoi` on `index` (absent is 0), with Nomad's 400 body on failure. `Atoi` takes
/// an optional sign and decimal digits within `int`; the RPC then reads it as `uint64`.
pub fn parse_index(text: &str) -> Result<u64, String> {
    let text = if text.is_empty() { "0" } else { text };
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let error = |reason: &str| Err(format!("Unable to parse index: strconv.Atoi: parsing {text:?}: {reason}"));
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return error("invalid syntax");
    }
    match text.parse::<i64>() {
        // A negative index is a huge uint64: the broker starts past the newest batch.
        Ok(n) => Ok(n as u64),
        Err(_) => error("value out of range"),
    }
}

/// Whether `acl` may subscribe to `topics` in `namespace` (`validateNsOp` in
/// `nomad/event_endpoint.go` from 1.10.0; `aclAllowsSubscription` in
/// `nomad/stream/event_broker.go` before): job-like topics need `read-job` in the namespace,
/// `Node` node read, anything else (the default `*` included) a management token. The volume
/// and plugin topics have their own rules from 1.10.0, `Operator` from 1.11.0.
pub fn allows_topics(acl: &Acl, namespace: &str, topics: &Topics, version: NomadVersion) -> bool {
    topics.keys().all(|name| match name.as_str() {
        topic::DEPLOYMENT | topic::EVALUATION | topic::ALLOCATION | topic::JOB | topic::SERVICE => {
            acl.allow_ns_op(namespace, cap::READ_JOB)
        }
        topic::HOST_VOLUME if version.event_stream_checks_each_namespace() => {
            acl.allow_ns_op(namespace, cap::HOST_VOLUME_READ)
        }
        topic::CSI_VOLUME if version.event_stream_checks_each_namespace() => {
            acl.allow_ns_op(namespace, cap::CSI_READ_VOLUME)
        }
        topic::CSI_PLUGIN if version.event_stream_checks_each_namespace() => acl.allow_ns_op(namespace, cap::READ_JOB),
        topic::NODE => acl.allow_node_read(),
        topic::OPERATOR if version.event_stream_operator_topic() => acl.allow_operator_read(),
        _ => acl.is_management(),
    })
}

/// The namespaces whose events a subscription receives (events of no namespace, nodes',
/// always pass): from 1.10.0 those named when it opened (`*` being every namespace then
/// existing, each of which the token must be allowed), before the one asked for, `*` letting
/// every event through (`nomad/stream/subscription.go` `filter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamespaceScope {
    /// Every namespace passes.
    All,
    /// Only events in these namespaces (and those of no namespace) pass.
    Only(Vec<String>),
}

impl NamespaceScope {
    /// Whether an event in `namespace` passes; an empty namespace always does.
    pub fn admits(&self, namespace: &str) -> bool {
        namespace.is_empty()
            || match self {
                NamespaceScope::All => true,
                NamespaceScope::Only(names) => names.iter().any(|n| n == namespace),
            }
    }
}

/// What the subscription filter reads of an event.
#[derive(Debug, Clone, Copy)]
pub struct EventKeys<'a> {
    /// The event's `Topic`, one of [`topic`].
    pub topic: &'a str,
    /// The event's `Key`, usually its object's ID.
    pub key: &'a str,
    /// The event's `Namespace`; empty for objects outside namespaces.
    pub namespace: &'a str,
    /// The event's `FilterKeys`: other IDs it can be subscribed by, such as its job's.
    pub filter_keys: &'a [String],
}

/// How many times a subscription to `topics` in `scope` sends an event: 0 or 1, or more when
/// several of its keys match the event (the `continue` in `filter`'s key loop goes on to the
/// next key, so an event matching two keys is sent twice). `*:*` alone sends everything; a
/// topic's keys are `*` alone (everything of that topic) or a list of keys matched against
/// `Key` and `FilterKeys`, in which `*` matches only a key that is `*`.
pub fn times_sent(topics: &Topics, scope: &NamespaceScope, event: EventKeys<'_>) -> usize {
    if !scope.admits(event.namespace) {
        return 0;
    }
    let all_keys: &[String] = topics.get(topic::ALL).map_or(&[], Vec::as_slice);
    let is_wildcard = |keys: &[String]| keys.len() == 1 && keys[0] == topic::ALL;
    if is_wildcard(all_keys) {
        return 1;
    }
    let mut keys: Vec<&String> = all_keys.iter().collect();
    if let Some(topic_keys) = topics.get(event.topic) {
        keys.extend(topic_keys);
    }
    if keys.len() == 1 && keys[0] == topic::ALL {
        return 1;
    }
    keys.iter().filter(|k| event.key == k.as_str() || event.filter_keys.iter().any(|f| f == k.as_str())).count()
}

/// One event as the stream writes it (`structs.Event`, no omitempty: an empty `Namespace` is
/// `""`, nil `FilterKeys` `null`). `Payload` holds one object under its name (`Allocation`,
/// `Job` with `Deleted: true` once purged, `Evaluation`, `Node`, `Deployment`); the
/// allocation of an Allocation event has no `Job` (`eventFromChange` drops it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Event<P = serde_json::Value> {
    /// The topic, one of [`topic`].
    pub topic: String,
    /// `Type`: the Raft message that wrote it, one of [`event_type`] (and others).
    #[serde(rename = "Type")]
    pub kind: String,
    /// The object's key: its ID (a node pool's or ACL policy's name).
    pub key: String,
    /// The object's namespace; `""` for objects outside namespaces (nodes).
    pub namespace: String,
    /// Other keys the event matches a subscription by, such as its job and deployment IDs; `null` when none.
    pub filter_keys: Option<Vec<String>>,
    /// The Raft index of the write that produced the event.
    pub index: u64,
    /// The object, under its name: `{"Allocation": {...}}`.
    pub payload: P,
}

/// One line of the stream (`structs.Events`); a heartbeat reads as index 0, no events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Events<P = serde_json::Value> {
    /// The Raft index of the write that produced these events; 0 for a heartbeat.
    pub index: u64,
    /// The events of that write the subscription wants; empty for a heartbeat.
    pub events: Vec<Event<P>>,
}

/// The payload of a Job event (`structs.JobEvent`; `Deleted` is `json:",omitempty"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobPayload<J> {
    /// The job as of this event.
    pub job: J,
    /// `true` once the job was purged; left out otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// Cuts the stream into its lines as chunks arrive (a line may span chunks, a chunk may hold
/// several lines): each line is one JSON value, ended by `\n` (`fmt.Fprint(output, "\n")` in
/// `command/agent/event_endpoint.go`).
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
}

impl LineSplitter {
    /// Takes a chunk; returns the lines it completes, without their `\n`, skipping empty ones.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Vec<u8>> {
        let mut lines = Vec::new();
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            let mut line = std::mem::take(&mut self.partial);
            line.extend_from_slice(&rest[..end]);
            if !line.iter().all(u8::is_ascii_whitespace) {
                lines.push(line);
            }
            rest = &rest[end + 1..];
        }
        self.partial.extend_from_slice(rest);
        lines
    }

    /// Bytes of a line not yet ended.
    pub fn pending(&self) -> usize {
        self.partial.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any cut of the stream gives the same lines.
    #[test]
    fn lines_are_the_same_whatever_the_chunks() {
        let stream = b"{}\n{\"Index\":3,\"Events\":[]}\n\n{}\n{\"Index\":4";
        let whole = {
            let mut s = LineSplitter::default();
            s.push(stream)
        };
        assert_eq!(whole, vec![b"{}".to_vec(), b"{\"Index\":3,\"Events\":[]}".to_vec(), b"{}".to_vec()]);
        for a in 0..stream.len() {
            for b in a..stream.len() {
                let mut s = LineSplitter::default();
                let mut lines = s.push(&stream[..a]);
                lines.extend(s.push(&stream[a..b]));
                lines.extend(s.push(&stream[b..]));
                assert_eq!(lines, whole, "cut at {a} and {b}");
                assert_eq!(s.pending(), br#"{"Index":4"#.len());
            }
        }
    }

    fn topics(values: &[&str]) -> Topics {
        parse_topics(values).unwrap()
    }

    /// command/agent/event_endpoint.go `parseEventTopics`, `parseTopic` (v1.11.3).
    #[test]
    fn topics_parse_as_nomad_parses_them() {
        assert_eq!(topics(&[]), Topics::from([("*".into(), vec!["*".into()])]));
        assert_eq!(
            topics(&["Allocation", "Job:web", "Job:api"]),
            Topics::from([("Allocation".into(), vec!["*".into()]), ("Job".into(), vec!["web".into(), "api".into()])])
        );
        assert_eq!(
            parse_topics(&["Job:a:b"]).unwrap_err(),
            "Invalid topic query: error parsing topics: Invalid key value pair for topic, topic: Job:a:b"
        );
        assert_eq!(parse_index("").unwrap(), 0);
        assert_eq!(parse_index("+12").unwrap(), 12);
        assert_eq!(parse_index("x").unwrap_err(), "Unable to parse index: strconv.Atoi: parsing \"x\": invalid syntax");
    }

    /// nomad/stream/subscription.go `filter` and `eventMatchesKey` (v1.11.3).
    #[test]
    fn subscriptions_filter_as_nomads() {
        let keys = ["web".to_string(), String::new()];
        let alloc = EventKeys { topic: "Allocation", key: "a1", namespace: "default", filter_keys: &keys };
        let node = EventKeys { topic: "Node", key: "n1", namespace: "", filter_keys: &[] };
        let default = NamespaceScope::Only(vec!["default".into()]);
        let ops = NamespaceScope::Only(vec!["ops".into()]);
        assert_eq!(times_sent(&topics(&[]), &default, alloc), 1);
        assert_eq!(times_sent(&topics(&[]), &ops, alloc), 0);
        // Events of no namespace pass every scope.
        assert_eq!(times_sent(&topics(&["Node"]), &ops, node), 1);
        assert_eq!(times_sent(&topics(&["Node"]), &default, alloc), 0);
        assert_eq!(times_sent(&topics(&["Allocation:a1"]), &default, alloc), 1);
        // A filter key (the job ID) matches as the key does.
        assert_eq!(times_sent(&topics(&["Allocation:web"]), &NamespaceScope::All, alloc), 1);
        // Two matching keys send the event twice; `*` beside a key is no wildcard.
        assert_eq!(times_sent(&topics(&["Allocation:web", "Allocation:a1"]), &default, alloc), 2);
        assert_eq!(times_sent(&topics(&["Allocation:*", "Allocation:x"]), &default, alloc), 0);
    }
}
