//! The v1 HTTP API: routes as Nomad's `registerHandlers` lays them out. Handlers check the
//! method themselves, as Nomad's do, so a wrong method gets Nomad's `405 Invalid method`.

pub mod acl;
pub mod agent;
pub mod alloc_stub;
pub mod allocations;
pub mod client;
pub mod cluster;
pub mod compression;
pub mod cors;
pub mod deployments;
pub mod evaluations;
pub mod events;
pub mod exec;
pub mod fs;
pub mod job_statuses;
pub mod job_subresources;
pub mod jobs;
pub mod listing;
pub mod meta;
pub mod monitor;
pub mod node_pools;
pub mod nodes;
pub mod operator;
pub mod request;
pub mod search;
pub mod status;
pub mod system;
pub mod variables;
pub mod volumes;

use crate::AppState;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::any;
use axum::Router;
use tower_http::trace::TraceLayer;

pub fn router(state: AppState) -> Router {
    // Only the client endpoints a browser may read from another origin (`wrapCORS`).
    let cors_routes = Router::new()
        .route("/v1/client/stats", any(client::stats))
        .route("/v1/client/fs/", any(fs::fs))
        .route("/v1/client/fs/{*rest}", any(fs::fs))
        .route("/v1/client/allocation/", any(client::allocation_root))
        .route("/v1/client/allocation/{*rest}", any(exec::client_allocation))
        .route("/v1/vars", any(variables::list))
        .layer(axum::middleware::from_fn(cors::cors));
    Router::new()
        .route("/v1/agent/self", any(agent::agent_self))
        .route("/v1/agent/members", any(agent::members))
        .route("/v1/agent/servers", any(agent::servers))
        .route("/v1/agent/join", any(agent::join))
        .route("/v1/agent/force-leave", any(agent::force_leave))
        .route("/v1/agent/health", any(agent::health))
        .route("/v1/allocations", any(allocations::list))
        .route("/v1/allocation/", any(allocations::specific_root))
        .route("/v1/allocation/{*rest}", any(allocations::specific))
        .route("/v1/client/gc", any(client::gc_all))
        .route("/v1/jobs", any(jobs::jobs))
        .route("/v1/jobs/statuses", any(job_statuses::statuses))
        .route("/v1/job/", any(jobs::specific_root))
        .route("/v1/job/{*rest}", any(jobs::specific))
        .route("/v1/nodes", any(nodes::list))
        .route("/v1/node/pools", any(node_pools::pools))
        .route("/v1/node/pool/", any(node_pools::specific_root))
        .route("/v1/node/pool/{*rest}", any(node_pools::specific))
        .route("/v1/node/", any(nodes::specific_root))
        .route("/v1/node/{*rest}", any(nodes::specific))
        .route("/v1/regions", any(cluster::regions))
        .route("/v1/namespaces", any(cluster::namespaces))
        .route("/v1/status/leader", any(cluster::leader))
        .route("/v1/acl/token/self", any(acl::token_self))
        .route("/v1/acl/tokens", any(acl::tokens))
        .route("/v1/acl/policies", any(acl::policies))
        .route("/v1/acl/policy/", any(acl::policy_without_name))
        .route("/v1/acl/policy/{name}", any(acl::policy))
        .route("/v1/acl/roles", any(acl::roles))
        .route("/v1/acl/auth-methods", any(acl::auth_methods))
        .route("/v1/status/peers", any(status::peers))
        .route("/v1/system/gc", any(system::gc))
        .route("/v1/evaluations", any(evaluations::list))
        .route("/v1/evaluation/", any(evaluations::specific_root))
        .route("/v1/evaluation/{*rest}", any(evaluations::specific))
        .route("/v1/deployments", any(deployments::list))
        .route("/v1/deployment/", any(deployments::specific_root))
        .route("/v1/deployment/{*rest}", any(deployments::specific))
        .route("/v1/event/stream", any(events::stream))
        .route("/v1/search", any(search::prefix))
        .route("/v1/search/fuzzy", any(search::fuzzy))
        .route("/v1/volumes", any(volumes::list))
        .route("/v1/agent/monitor", any(monitor::monitor))
        .route("/v1/operator/license", any(operator::license))
        .merge(
            operator::ENTERPRISE_ROUTES
                .iter()
                .fold(Router::new(), |r, path| r.route(path, any(operator::enterprise_only))),
        )
        .merge(cors_routes)
        .merge(crate::ui::routes(state.ui_dir.clone()))
        // Nomad's root fallthrough: 404 with no body.
        .fallback(|| async { StatusCode::NOT_FOUND.into_response() })
        .layer(axum::middleware::from_fn(compression::mark_upgrades))
        .layer(compression::layer())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
