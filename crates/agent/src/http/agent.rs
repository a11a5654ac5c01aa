//! `/v1/agent/*`: this agent's view of itself and its (single-member) gossip pool.

use super::request::{empty_response, ApiRequest};
use crate::acl::Realm;
use crate::error::ApiError;
use crate::node::VERSION_METADATA;
use crate::{AppState, RPC_PORT, SERF_PORT};
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use nomad_api::{
    AgentAclConfig, AgentConfig, AgentHealth, AgentHealthResponse, AgentMember, AgentSelf, AgentVersion, JoinResponse,
    ServerMembers, VersionInfo, Wire,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn member(state: &AppState) -> AgentMember {
    let ip = state.http_addr.ip().to_string();
    let tags: BTreeMap<String, String> = [
        ("bootstrap", "1".to_string()),
        ("build", state.version.to_string()),
        ("dc", state.datacenter.clone()),
        ("expect", "1".to_string()),
        ("id", state.node_id.clone()),
        ("mvn", "1".to_string()),
        ("port", RPC_PORT.to_string()),
        ("raft_vsn", "3".to_string()),
        ("region", state.region.clone()),
        ("role", "nomad".to_string()),
        ("rpc_addr", ip.clone()),
        ("vsn", "1".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    AgentMember {
        name: format!("{}.{}", state.node_name, state.region),
        addr: ip,
        port: SERF_PORT,
        tags,
        status: "alive".to_string(),
        protocol_min: 1,
        protocol_max: 5,
        protocol_cur: 2,
        delegate_min: 2,
        delegate_max: 5,
        delegate_cur: 4,
    }
}

/// The parts of the agent configuration that are not typed in `AgentConfig`.
fn other_config(state: &AppState) -> Map<String, Value> {
    let ip = state.http_addr.ip().to_string();
    let port = state.http_addr.port();
    let servers = state.servers.lock().map(|s| s.clone()).unwrap_or_default();
    let value = json!({
        "Addresses": {"HTTP": ip, "RPC": ip, "Serf": ip},
        "AdvertiseAddrs": {"HTTP": format!("{ip}:{port}"), "RPC": format!("{ip}:{RPC_PORT}"), "Serf": format!("{ip}:{SERF_PORT}")},
        "BindAddr": ip,
        "Ports": {"HTTP": port, "RPC": RPC_PORT, "Serf": SERF_PORT},
        "Client": {
            "Enabled": true, "NodeClass": "", "NodePool": "default", "Meta": {}, "Options": {},
            "Servers": servers, "StateDir": state.data_dir.join("client").display().to_string(),
            "AllocDir": state.data_dir.join("alloc").display().to_string(), "MaxKillTimeout": "30s",
            "GCInterval": 60_000_000_000u64, "GCDiskUsageThreshold": 80, "GCInodeUsageThreshold": 70
        },
        "Server": {"Enabled": true, "BootstrapExpect": 1, "NumSchedulers": 2, "EnabledSchedulers": ["service", "batch", "system", "sysbatch", "_core"]},
        "UI": {"Enabled": state.ui_dir.is_some()},
        "LogLevel": "INFO",
        "EnableDebug": false,
        "LeaveOnInt": false,
        "LeaveOnTerm": false,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn stats(state: &AppState) -> BTreeMap<String, BTreeMap<String, String>> {
    let index = state.cluster.read().index().to_string();
    let local_allocs = {
        let store = state.cluster.read();
        store.allocs_of_node(&state.node_id).filter(|a| !crate::state::is_terminal(a)).count()
    };
    let section = |pairs: &[(&str, String)]| pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let rpc = format!("{}:{RPC_PORT}", state.http_addr.ip());
    let servers = state.servers.lock().map(|s| s.join(",")).unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()).to_string();
    BTreeMap::from([
        (
            "client".to_string(),
            section(&[
                ("heartbeat_ttl", "10s".into()),
                ("known_servers", servers),
                ("last_heartbeat", "0s".into()),
                ("node_id", state.node_id.clone()),
                ("num_allocations", local_allocs.to_string()),
            ]),
        ),
        (
            "nomad".to_string(),
            section(&[
                ("bootstrap", "false".into()),
                ("known_regions", "1".into()),
                ("leader", "true".into()),
                ("leader_addr", rpc.clone()),
                ("server", "true".into()),
            ]),
        ),
        (
            "raft".to_string(),
            section(&[
                ("applied_index", index.clone()),
                ("commit_index", index.clone()),
                ("fsm_pending", "0".into()),
                ("last_contact", "0".into()),
                ("last_log_index", index.clone()),
                ("last_log_term", "2".into()),
                ("latest_configuration", format!("[{{Suffrage:Voter ID:{} Address:{rpc}}}]", state.node_id)),
                ("num_peers", "0".into()),
                ("protocol_version", "3".into()),
                ("state", "Leader".into()),
                ("term", "2".into()),
            ]),
        ),
        (
            "runtime".to_string(),
            section(&[
                ("arch", std::env::consts::ARCH.into()),
                ("cpu_count", cpus.clone()),
                ("kernel.name", std::env::consts::OS.into()),
                ("max_procs", cpus),
                ("version", "rust".into()),
            ]),
        ),
        (
            "serf".to_string(),
            section(&[
                ("encrypted", "false".into()),
                ("event_queue", "0".into()),
                ("failed", "0".into()),
                ("health_score", "0".into()),
                ("left", "0".into()),
                ("member_time", "1".into()),
                ("members", "1".into()),
            ]),
        ),
    ])
}

/// `GET /v1/agent/self` (agent:read), the token resolved by the HTTP agent itself.
pub async fn agent_self(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    if !state.authorize(req.token(), Realm::Agent)?.allow_agent_read() {
        return Err(ApiError::permission_denied());
    }
    let body = AgentSelf {
        config: AgentConfig {
            region: state.region.clone(),
            datacenter: state.datacenter.clone(),
            node_name: state.node_name.clone(),
            version: AgentVersion::Info(VersionInfo {
                revision: String::new(),
                version: state.version.to_string(),
                version_prerelease: String::new(),
                version_metadata: VERSION_METADATA.to_string(),
            }),
            version_prerelease: None,
            revision: None,
            dev_mode: true,
            data_dir: state.data_dir.display().to_string(),
            acl: Some(AgentAclConfig { enabled: state.acl.enabled() }),
            other: other_config(&state),
        },
        member: member(&state),
        stats: stats(&state),
    };
    req.reply(None, &Wire::new(&body, state.version))
}

/// `GET /v1/agent/members` (node:read).
pub async fn members(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    if !state.authorize(req.token(), Realm::Server)?.allow_node_read() {
        return Err(ApiError::permission_denied());
    }
    let body = ServerMembers {
        server_name: state.node_name.clone(),
        server_region: state.region.clone(),
        server_dc: state.datacenter.clone(),
        members: vec![member(&state)],
    };
    req.reply(None, &Wire::new(&body, state.version))
}

/// `GET /v1/agent/servers` (agent:read) lists the client's servers; `PUT`/`POST` replaces
/// them with the `address` parameters (agent:write).
pub async fn servers(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    if req.method == Method::GET {
        if !state.authorize(req.token(), Realm::Client)?.allow_agent_read() {
            return Err(ApiError::permission_denied());
        }
        let mut servers = state.servers.lock().map(|s| s.clone()).unwrap_or_default();
        servers.sort();
        return req.reply(None, &servers);
    }
    req.require_method(&[Method::PUT, Method::POST])?;
    let addresses = req.all("address");
    if addresses.is_empty() {
        return Err(ApiError::bad_request("missing server address"));
    }
    if !state.authorize(req.token(), Realm::Client)?.allow_agent_write() {
        return Err(ApiError::permission_denied());
    }
    // `resolveServer`: host[:port], the RPC port by default.
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    for address in addresses {
        let with_port = if address.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
            address.to_string()
        } else {
            format!("{address}:{RPC_PORT}")
        };
        match std::net::ToSocketAddrs::to_socket_addrs(&with_port) {
            Ok(addrs) if addrs.len() > 0 => valid.push(with_port),
            _ => errors.push(format!("failed to resolve {address:?}")),
        }
    }
    if valid.is_empty() {
        return Err(ApiError::bad_request(errors.join("; ")));
    }
    if let Ok(mut servers) = state.servers.lock() {
        *servers = valid;
    }
    Ok(empty_response(None))
}

/// `PUT`/`POST /v1/agent/join` (agent:write): this single-node agent has no gossip transport
/// to join with. Nomad 1.4 to 2.0.3 check no token here; 2.0.4 warns without agent:write and
/// Nomad means to refuse it from 2.1 (agent_endpoint.go `AgentJoinRequest`, COMPAT(2.1.0)):
/// this agent refuses it already, before reading the addresses, as 2.0.4 checks.
pub async fn join(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::PUT, Method::POST])?;
    if !state.authorize(req.token(), Realm::Server)?.allow_agent_write() {
        return Err(ApiError::permission_denied());
    }
    let addresses = req.all("address");
    if addresses.is_empty() {
        return Err(ApiError::bad_request("missing address to join"));
    }
    let errors: Vec<String> = addresses
        .iter()
        .map(|a| format!("Failed to join {a}: this is a single-node dev agent without gossip"))
        .collect();
    req.reply(None, &JoinResponse { error: errors.join("\n"), num_joined: 0 })
}

/// `PUT`/`POST /v1/agent/force-leave` (agent:write). No member is ever failed here, so
/// there is nothing to remove, which Serf does not count as an error.
pub async fn force_leave(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::PUT, Method::POST])?;
    if !state.authorize(req.token(), Realm::Server)?.allow_agent_write() {
        return Err(ApiError::permission_denied());
    }
    if req.get("node").is_empty() {
        return Err(ApiError::bad_request("missing node to force leave"));
    }
    req.bool_param("prune").map_err(|_| ApiError::bad_request("invalid prune value"))?;
    Ok(empty_response(None))
}

/// `GET /v1/agent/health`: `type` picks client and/or server. Unhealthy is a 500 whose
/// plain-text body is the JSON of the health response, as Nomad writes it.
pub async fn health(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    let ok = |message: &str| Some(AgentHealth { ok: true, message: message.to_string() });
    let types = req.all("type");
    let (mut want_client, mut want_server) = (true, true);
    let mut health = AgentHealthResponse::default();
    if req.has("type") {
        want_client = types.contains(&"client");
        want_server = types.contains(&"server");
    }
    if want_client {
        let known = state.servers.lock().map(|s| !s.is_empty()).unwrap_or(false);
        health.client =
            if known { ok("ok") } else { Some(AgentHealth { ok: false, message: "no known servers".into() }) };
    }
    if want_server {
        health.server = match state.check_region(&opts.region) {
            Ok(()) => ok("ok"),
            Err(e) => Some(AgentHealth { ok: false, message: e.message }),
        };
    }
    let healthy = [&health.client, &health.server].iter().all(|h| h.as_ref().is_none_or(|h| h.ok));
    if healthy {
        return req.reply(None, &health);
    }
    Err(ApiError::internal(serde_json::to_string(&health).map_err(|e| ApiError::internal(e.to_string()))?))
}
