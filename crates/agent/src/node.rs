//! Nodes: this agent's own client node, fingerprinted from the host, and the synthetic nodes
//! of scale mode.

use crate::host::HostFacts;
use nomad_api::{
    DateTime, DriverInfo, Node, NodeCpuResources, NodeDiskResources, NodeEvent, NodeListStub, NodeMemoryResources,
    NodeReservedResources, NodeResources, NomadVersion, Resources,
};
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

/// What this agent really is, beside the Nomad version it answers as (`--nomad-version`).
pub const VERSION_METADATA: &str = concat!("caravan.", env!("CARGO_PKG_VERSION"));

/// `Node.Status` and `SchedulingEligibility` values.
pub const STATUS_READY: &str = "ready";
pub const ELIGIBLE: &str = "eligible";
pub const NODE_POOL_DEFAULT: &str = "default";

/// `client.min_dynamic_port` and `max_dynamic_port` by default (`nomad/structs/network.go`
/// `DefaultMinDynamicPort`, `DefaultMaxDynamicPort`).
pub const MIN_DYNAMIC_PORT: i64 = 20000;
pub const MAX_DYNAMIC_PORT: i64 = 32000;

/// The driver as the client's fingerprint reports it (`client/pluginmanager/drivermanager`),
/// with the time of the fingerprint.
fn raw_exec_driver(now_nanos: i64) -> BTreeMap<String, DriverInfo> {
    BTreeMap::from([(
        "raw_exec".to_string(),
        DriverInfo {
            attributes: BTreeMap::from([("driver.raw_exec".to_string(), "true".to_string())]),
            detected: true,
            healthy: true,
            health_description: "Healthy".to_string(),
            update_time: Some(DateTime(now_nanos)),
        },
    )])
}

/// The state store's first event of a node, stamped with its `StatusUpdatedAt` (whole seconds,
/// `nomad/state/state_store.go` `upsertNodeTxn`).
fn registered_event(now_nanos: i64) -> NodeEvent {
    NodeEvent {
        message: "Node registered".to_string(),
        subsystem: "Cluster".to_string(),
        timestamp: Some(DateTime(now_nanos / 1_000_000_000 * 1_000_000_000)),
        ..NodeEvent::default()
    }
}

/// `Node.ComputeClass`: a hash of what scheduling sees of the node, `v1:` and a number.
fn computed_class(datacenter: &str, attributes: &BTreeMap<String, String>) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    datacenter.hash(&mut hasher);
    attributes.iter().filter(|(k, _)| !k.starts_with("unique.")).for_each(|kv| kv.hash(&mut hasher));
    format!("v1:{}", hasher.finish())
}

/// This client's node ID (`Client.nodeID`): kept in `<data-dir>/client/client-id` when there is
/// a data directory, so the node, and the allocations placed on it, stay the same across
/// restarts; a new one each time in dev mode.
pub fn node_id(data_dir: Option<&Path>) -> io::Result<String> {
    let Some(data_dir) = data_dir else { return Ok(uuid::Uuid::new_v4().to_string()) };
    let path = data_dir.join("client").join("client-id");
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => return Ok(id.trim().to_lowercase()),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let id = uuid::Uuid::new_v4().to_string();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, &id)?;
    Ok(id)
}

/// This agent's client node, as its fingerprinters would describe the host.
pub fn local_node(
    id: &str,
    facts: &HostFacts,
    datacenter: &str,
    http_addr: &str,
    version: NomadVersion,
    now_nanos: i64,
) -> Node {
    let attr = |pairs: &[(&str, String)]| pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let ip = http_addr.rsplit_once(':').map_or(http_addr, |(ip, _)| ip).to_string();
    let attributes: BTreeMap<String, String> = attr(&[
        ("arch", facts.arch.clone()),
        ("cpu.arch", facts.arch.clone()),
        ("cpu.frequency", facts.cpu_mhz.to_string()),
        ("cpu.modelname", facts.cpu_model.clone()),
        ("cpu.numcores", facts.cpu_cores.to_string()),
        ("cpu.totalcompute", facts.total_compute().to_string()),
        ("driver.raw_exec", "1".to_string()),
        ("kernel.arch", std::env::consts::ARCH.to_string()),
        ("kernel.name", std::env::consts::OS.to_string()),
        ("kernel.version", facts.kernel_version.clone()),
        ("memory.totalbytes", facts.memory_bytes.to_string()),
        ("nomad.advertise.address", http_addr.to_string()),
        ("nomad.revision", VERSION_METADATA.to_string()),
        ("nomad.service_discovery", "true".to_string()),
        ("nomad.version", version.to_string()),
        ("os.name", facts.os_name.clone()),
        ("os.version", facts.os_version.clone()),
        ("unique.hostname", facts.hostname.clone()),
        ("unique.network.ip-address", ip),
        ("unique.storage.bytesfree", facts.disk_free_bytes.to_string()),
        ("unique.storage.bytestotal", facts.disk_total_bytes.to_string()),
    ]);
    let cpu = facts.total_compute() as i64;
    let memory_mb = (facts.memory_bytes / 1024 / 1024) as i64;
    let disk_mb = (facts.disk_free_bytes / 1024 / 1024) as i64;
    Node {
        id: id.to_string(),
        name: facts.hostname.clone(),
        datacenter: datacenter.to_string(),
        node_pool: NODE_POOL_DEFAULT.to_string(),
        computed_class: computed_class(datacenter, &attributes),
        http_addr: http_addr.to_string(),
        attributes,
        node_resources: Some(NodeResources {
            cpu: NodeCpuResources {
                cpu_shares: cpu,
                total_cpu_cores: facts.cpu_cores as i64,
                reservable_cpu_cores: (0..facts.cpu_cores.min(u64::from(u16::MAX)) as u16).collect(),
            },
            memory: NodeMemoryResources { memory_mb },
            disk: NodeDiskResources { disk_mb },
            min_dynamic_port: MIN_DYNAMIC_PORT,
            max_dynamic_port: MAX_DYNAMIC_PORT,
        }),
        reserved_resources: Some(NodeReservedResources::default()),
        // The fingerprinters' pre-0.9 view, sent until 1.11 removed it.
        resources: Some(Resources { cpu, memory_mb, disk_mb, ..Resources::default() }),
        reserved: Some(Resources::default()),
        drivers: raw_exec_driver(now_nanos),
        scheduling_eligibility: ELIGIBLE.to_string(),
        status: STATUS_READY.to_string(),
        status_updated_at: now_nanos / 1_000_000_000,
        events: vec![registered_event(now_nanos)],
        ..Node::default()
    }
}

/// The `n`th node of scale mode: a plausible 8-core client with nothing behind it.
pub fn synthetic_node(n: usize, datacenter: &str, version: NomadVersion, now_nanos: i64) -> Node {
    let id = format!("5e7a0000-0000-4000-8000-{n:012x}");
    let name = format!("synthetic-{n:04}");
    let ip = format!("10.{}.{}.{}", 200 + n / 65536 % 50, n / 256 % 256, n % 256);
    let facts = HostFacts {
        hostname: name.clone(),
        kernel_version: "6.1.0-synthetic".to_string(),
        os_name: "debian".to_string(),
        os_version: "12".to_string(),
        arch: "amd64".to_string(),
        cpu_cores: 8,
        cpu_model: "Synthetic CPU".to_string(),
        cpu_mhz: 2500,
        memory_bytes: 32 << 30,
        disk_total_bytes: 200 << 30,
        disk_free_bytes: 150 << 30,
    };
    Node { id: id.clone(), ..local_node(&id, &facts, datacenter, &format!("{ip}:4646"), version, now_nanos) }
}

/// Which optional fields a node list carries (the rule is `nomad_api`'s).
pub use nomad_api::NodeStubFields;

/// `Node.Stub`: [`NodeListStub::from_node`].
pub fn stub(node: &Node, fields: NodeStubFields) -> NodeListStub {
    NodeListStub::from_node(node, fields)
}
