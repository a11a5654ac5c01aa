//! The nodes list kept live by the event stream (issue 18): each Node event carries the whole
//! node, sanitized (`eventFromChange` in `nomad/state/events.go`, `Node.Sanitize` clears only
//! its `SecretID`), and becomes its row by Nomad's own rule (`NodeListStub::from_node`,
//! `Node.Stub`), so a node's change costs one event, not a re-read of `/v1/nodes`.
//!
//! A deregistered node's event (type `NodeDeregistration`, v1.4.0 to v1.11.3) carries the
//! node as it was before; its row goes.
//!
//! A node's own page is the same engine over a list of one ([`OneNode`]): its events
//! (`topic=Node:<id>`) carry the whole node, so its eligibility, drain and status change on
//! screen as they are written.

use super::feed::{Change, EventList, Feed, Keep};
use nomad_api::event::{event_type, topic, Events};
use nomad_api::{Node, NodeListStub, NodeStubFields};
use serde::Deserialize;
use std::sync::Arc;

/// The payload of a Node event: `{"Node": {...}}` (`structs.NodeStreamEvent`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodePayload {
    pub node: Option<Node>,
}

/// A nodes list fed by events.
#[derive(Debug, Clone, Default)]
pub struct NodeFeed {
    pub feed: Feed<NodeListStub>,
}

impl EventList for NodeFeed {
    type Row = NodeListStub;
    type Payload = NodePayload;
    const TOPICS: &'static [&'static str] = &[topic::NODE];

    fn new(rows: Vec<Arc<NodeListStub>>, index: u64, _keep: &Keep) -> Self {
        NodeFeed { feed: Feed::from_snapshot(rows, index) }
    }

    fn merge(&mut self, rows: Vec<Arc<NodeListStub>>) {
        self.feed.merge(rows);
    }

    fn index(&self) -> u64 {
        self.feed.index()
    }

    /// In Nomad's list order, by ID (`Node.List` reads the `nodes` table by ID).
    fn rows(&self) -> Vec<Arc<NodeListStub>> {
        let mut rows = self.feed.rows().to_vec();
        rows.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        rows
    }

    fn apply(&mut self, batch: Events<NodePayload>) -> bool {
        let changes = batch
            .events
            .into_iter()
            .filter_map(|event| {
                if event.kind == event_type::NODE_DEREGISTRATION {
                    return Some(Change::Delete(event.key));
                }
                // The list is read without `os` or `resources` fields.
                let node = event.payload.node?;
                Some(Change::Upsert(NodeListStub::from_node(&node, NodeStubFields::default())))
            })
            .collect();
        self.feed.apply(batch.index, changes)
    }
}

/// One node kept live by its events (its page). Each event is the whole node
/// (`NodeStreamEvent`), whatever its type (`NodeRegistration`, `NodeDrain` for eligibility
/// and drain, `NodeStreamEvent` for status and node events); a deregistration removes it.
#[derive(Debug, Clone, Default)]
pub struct OneNode {
    pub feed: Feed<Node>,
}

impl EventList for OneNode {
    type Row = Node;
    type Payload = NodePayload;
    /// Unused: the stream names the node's key (`Node:<id>`), see `FeedSpec::one_node`.
    const TOPICS: &'static [&'static str] = &[topic::NODE];

    fn new(rows: Vec<Arc<Node>>, index: u64, _keep: &Keep) -> Self {
        OneNode { feed: Feed::from_snapshot(rows, index) }
    }

    fn merge(&mut self, rows: Vec<Arc<Node>>) {
        self.feed.merge(rows);
    }

    fn index(&self) -> u64 {
        self.feed.index()
    }

    fn rows(&self) -> Vec<Arc<Node>> {
        self.feed.rows().to_vec()
    }

    fn apply(&mut self, batch: Events<NodePayload>) -> bool {
        let changes = batch
            .events
            .into_iter()
            .filter(|event| self.feed.get(&event.key).is_some())
            .filter_map(|event| match event.kind == event_type::NODE_DEREGISTRATION {
                true => Some(Change::Delete(event.key)),
                false => event.payload.node.map(Change::Upsert),
            })
            .collect();
        self.feed.apply(batch.index, changes)
    }

    fn one_row(body: &[u8]) -> Result<Node, String> {
        nomad_api::json::from_slice(body).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
#[path = "node_feed_tests.rs"]
mod tests;
