//! Tests of the event-fed nodes list: Node events as rows, a deregistration removing its row.

use super::*;

/// A whole node as Nomad 1.11.3 writes it (`structs.Node` with the `Drain` the encoder's
/// `nodeExt` adds, `nomad/structs/extensions.go`): `ModifyIndex` as in the fixture.
const NODE: &str = include_str!("../../crates/nomad-api/tests/fixtures/1.11/node.json");
const NODE_1_4: &str = include_str!("../../crates/nomad-api/tests/fixtures/1.4/node.json");
const ID: &str = "f7a8b1c2-3d4e-45f6-8a9b-0c1d2e3f4a5b";

/// One line as Nomad writes a Node event (`structs.Events`, `structs.Event` with no
/// namespace; payload `structs.NodeStreamEvent`; `eventFromChange` in
/// `nomad/state/events.go`, v1.4.0 and v1.11.3).
fn node_line(index: u64, kind: &str, node: &str) -> Events<NodePayload> {
    let text = format!(
        r#"{{"Index":{index},"Events":[{{"Topic":"Node","Type":"{kind}","Key":"{ID}","Namespace":"","FilterKeys":null,"Index":{index},"Payload":{{"Node":{node}}}}}]}}"#
    );
    serde_json::from_str(&text).unwrap()
}

/// The node with other values in the fields the list shows.
fn changed(node: &str, modify: u64) -> String {
    let mut value: serde_json::Value = serde_json::from_str(node).unwrap();
    value["SchedulingEligibility"] = "ineligible".into();
    value["Drain"] = true.into();
    value["ModifyIndex"] = modify.into();
    value.to_string()
}

fn other(id: &str) -> Arc<NodeListStub> {
    Arc::new(NodeListStub { id: id.into(), modify_index: 1, ..Default::default() })
}

#[test]
fn a_node_event_is_its_row_by_nomads_stub_rule() {
    for (text, release) in [(NODE, "1.11"), (NODE_1_4, "1.4")] {
        let node: Node = serde_json::from_str(text).unwrap();
        let mut feed = NodeFeed::new(vec![other("ffff")], 1, &Keep::default());
        assert!(feed.apply(node_line(node.modify_index.max(2), "NodeRegistration", text)), "{release}");
        let row = feed.feed.get(ID).unwrap();
        assert_eq!(**row, NodeListStub::from_node(&node, NodeStubFields::default()), "{release}");
        assert_eq!(row.address, "10.0.2.15", "{release}");
        // Listed by ID, as `/v1/nodes` lists them.
        assert_eq!(feed.rows().iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), [ID, "ffff"]);
    }
}

/// Eligibility and drain changes are `NodeDrain` events (`MsgTypeEvents`).
#[test]
fn a_changed_node_replaces_its_row_and_an_older_one_does_not() {
    let node: Node = serde_json::from_str(NODE).unwrap();
    let index = node.modify_index;
    let mut feed = NodeFeed::new(
        vec![Arc::new(NodeListStub::from_node(&node, NodeStubFields::default()))],
        index,
        &Keep::default(),
    );
    assert!(feed.apply(node_line(index + 5, "NodeDrain", &changed(NODE, index + 5))));
    let row = feed.feed.get(ID).unwrap();
    assert_eq!((row.scheduling_eligibility.as_str(), row.drain, row.modify_index), ("ineligible", true, index + 5));
    // A batch already applied, or a node older than the one shown, changes nothing.
    assert!(!feed.apply(node_line(index + 5, "NodeDrain", NODE)));
    assert!(!feed.apply(node_line(index + 6, "NodeStreamEvent", NODE)));
    assert_eq!(feed.feed.get(ID).unwrap().scheduling_eligibility, "ineligible");
}

/// `NodeDeregistration`: the node as it was before; the row goes.
#[test]
fn a_deregistered_node_leaves_the_list() {
    let node: Node = serde_json::from_str(NODE).unwrap();
    let rows = vec![Arc::new(NodeListStub::from_node(&node, NodeStubFields::default())), other("ffff")];
    let mut feed = NodeFeed::new(rows, node.modify_index, &Keep::default());
    assert!(feed.apply(node_line(node.modify_index + 1, "NodeDeregistration", NODE)));
    assert!(feed.feed.get(ID).is_none());
    assert_eq!(feed.rows().len(), 1);
    assert!(!feed.apply(serde_json::from_str("{}").unwrap()));
}

/// The list keys on the topic and the node, not the event's type: an eligibility change is
/// applied whether it comes as `NodeDrain` (what every release from 1.4.0 to 1.11.3 sends,
/// `MsgTypeEvents` in `nomad/state/events.go`) or as the declared but unsent
/// `NodeEligibility` (`structs.TypeNodeEligibilityUpdate`, `nomad/structs/event.go`).
#[test]
fn an_eligibility_event_of_either_type_changes_the_row() {
    let node: Node = serde_json::from_str(NODE).unwrap();
    let index = node.modify_index;
    for kind in ["NodeDrain", "NodeEligibility"] {
        let row = Arc::new(NodeListStub::from_node(&node, NodeStubFields::default()));
        assert_eq!(row.scheduling_eligibility, "eligible");
        let mut feed = NodeFeed::new(vec![row], index, &Keep::default());
        let mut value: serde_json::Value = serde_json::from_str(NODE).unwrap();
        value["SchedulingEligibility"] = "ineligible".into();
        value["ModifyIndex"] = (index + 1).into();
        assert!(feed.apply(node_line(index + 1, kind, &value.to_string())), "{kind}");
        let row = feed.feed.get(ID).unwrap();
        assert_eq!((row.scheduling_eligibility.as_str(), row.modify_index), ("ineligible", index + 1), "{kind}");
    }
}

/// A node's page (`OneNode`): its events replace the node shown, whole; another node's
/// event, an older one, or an index already applied changes nothing; a deregistration
/// removes it.
#[test]
fn a_node_page_follows_its_node_events() {
    let node: Node = serde_json::from_str(NODE).unwrap();
    let index = node.modify_index;
    let mut one = OneNode::new(vec![Arc::new(node.clone())], index, &Keep::default());
    assert!(!one.apply(node_line(index, "NodeDrain", &changed(NODE, index))));
    assert!(one.apply(node_line(index + 2, "NodeDrain", &changed(NODE, index + 2))));
    let shown = one.feed.get(ID).unwrap();
    assert_eq!(
        (shown.scheduling_eligibility.as_str(), shown.drain, shown.modify_index),
        ("ineligible", true, index + 2)
    );
    // The whole node, not a stub: what the list leaves out stays.
    assert_eq!(shown.drivers, node.drivers);
    let other_node = NODE.replace(ID, "0b0e0000-0000-4000-8000-000000000000");
    let text = format!(
        r#"{{"Index":{},"Events":[{{"Topic":"Node","Type":"NodeDrain","Key":"0b0e0000-0000-4000-8000-000000000000","Namespace":"","FilterKeys":null,"Index":{},"Payload":{{"Node":{}}}}}]}}"#,
        index + 3,
        index + 3,
        other_node
    );
    assert!(!one.apply(serde_json::from_str(&text).unwrap()));
    assert_eq!(one.rows().len(), 1);
    assert!(one.apply(node_line(index + 4, "NodeDeregistration", NODE)));
    assert!(one.rows().is_empty());
}

/// The page's first read is `/v1/node/:id`: one node, decoded whole.
#[test]
fn a_node_page_reads_its_node_whole() {
    let node = OneNode::one_row(NODE.as_bytes()).unwrap();
    assert_eq!(node, serde_json::from_str::<Node>(NODE).unwrap());
    assert!(OneNode::one_row(b"[]").is_err());
}
