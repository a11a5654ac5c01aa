//! `PUT/POST /v1/search` (by ID prefix) and `/v1/search/fuzzy` (by name), over this agent's
//! jobs, allocations, nodes, node pools, evaluations and namespaces, with the ACL passes of
//! Nomad's search endpoint (`command/agent/search_endpoint.go`, `nomad/search_endpoint.go`):
//! a coarse refusal for a context the token can never read, contexts filtered by what the
//! token may read in the namespace, and (for the `*` namespace) objects filtered one by one.
//! The matching rules themselves are `nomad_api::search`'s.

use super::listing::allows_unruled;
use super::meta::QueryMeta;
use super::request::{ApiRequest, ALL_NAMESPACES, DEFAULT_NAMESPACE};
use crate::acl::{cap, Authority, Realm};
use crate::error::ApiError;
use crate::state::{Store, Table};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use nomad_api::node_pool::BUILT_IN_POOLS_INDEX;
use nomad_api::search::{
    collect_fuzzy, context as ctx, expand_context, fuzzy_job_matches, fuzzy_match, prefix_matches,
    round_uuid_down_if_odd, unknown_context_error, uuid_has_prefix_bytes, uuid_prefix_bytes, FuzzyMatch,
    FuzzySearchResponse, ScoredMatch, SearchConfig, SearchResponse,
};
use nomad_api::{NodePool, NomadVersion};
use serde_json::Value;
use std::collections::BTreeMap;

/// `acl.NamespaceCapabilityHostVolumeRead` (1.10+), part of the `read` namespace policy.
const HOST_VOLUME_READ: &str = "host-volume-read";

/// The fields of a search body, decoded as Go's `encoding/json` decodes into the request
/// struct: keys match field names in any case, and a value of the wrong type is an error.
struct Body {
    fields: serde_json::Map<String, Value>,
    kind: &'static str,
}

impl Body {
    /// `decodeBody`: an empty body, malformed JSON or a non-object is a 400.
    fn decode(body: &[u8], kind: &'static str) -> Result<Body, ApiError> {
        let fields = super::request::decode_body_object(body, &format!("structs.{kind}"), &[])?;
        Ok(Body { fields, kind })
    }

    /// A string field (`path` is how Go names it in errors: `Text`, `QueryOptions.Namespace`).
    fn string(&self, path: &str) -> Result<String, ApiError> {
        let name = path.rsplit('.').next().unwrap_or(path);
        let found = self
            .fields
            .get(name)
            .or_else(|| self.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v));
        match found {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => {
                let what = match other {
                    Value::Array(_) => "array",
                    Value::Object(_) => "object",
                    Value::Number(_) => "number",
                    _ => "bool",
                };
                Err(ApiError::bad_request(format!(
                    "json: cannot unmarshal {what} into Go struct field {}.{path} of type string",
                    self.kind
                )))
            }
        }
    }
}

/// What both searches read from the request: the body's options, the URL's overriding them.
struct Args {
    /// The prefix search's prefix, or the fuzzy search's `QueryOptions.Prefix`.
    prefix: String,
    text: String,
    context: String,
    namespace: String,
    region: String,
    token: String,
}

fn read_args(state: &AppState, req: &ApiRequest, body: &[u8], fuzzy: bool) -> Result<Args, ApiError> {
    let kind = if fuzzy { "FuzzySearchRequest" } else { "SearchRequest" };
    let body = Body::decode(body, kind)?;
    let text = if fuzzy { body.string("Text")? } else { String::new() };
    let mut prefix = body.string(if fuzzy { "QueryOptions.Prefix" } else { "Prefix" })?;
    let context = body.string("Context")?;
    let mut namespace = body.string("QueryOptions.Namespace")?;
    let mut region = body.string("QueryOptions.Region")?;
    let mut token = body.string("QueryOptions.AuthToken")?;
    // `parse`: the URL's options, its errors, and the header's token win.
    req.query_options(&state.region)?;
    for (key, slot) in [("namespace", &mut namespace), ("region", &mut region)] {
        if !req.get(key).is_empty() {
            *slot = req.get(key).to_string();
        }
    }
    if fuzzy && !req.get("prefix").is_empty() {
        prefix = req.get("prefix").to_string();
    }
    if namespace.is_empty() {
        namespace = DEFAULT_NAMESPACE.to_string();
    }
    if region.is_empty() {
        region = state.region.clone();
    }
    if !req.token().is_empty() {
        token = req.token().to_string();
    }
    Ok(Args { prefix, text, context, namespace, region, token })
}

/// `PUT/POST /v1/search`: `Search.PrefixSearch`.
pub async fn prefix(State(state): State<AppState>, req: ApiRequest, body: Bytes) -> Result<Response, ApiError> {
    req.require_method(&[Method::POST, Method::PUT])?;
    let args = read_args(&state, &req, &body, false)?;
    state.check_region(&args.region)?;
    let authority = state.authorize(&args.token, Realm::Server)?;
    let ns = args.namespace.as_str();
    if !sufficient_perms(&authority, state.version, ns, &args.context) {
        return Err(ApiError::permission_denied());
    }
    let store = state.cluster.read();
    let contexts = filtered_contexts(&authority, state.version, ns, &args.context);
    let rounded = round_uuid_down_if_odd(&args.prefix, &args.context);
    let mut response = SearchResponse { known_leader: true, ..SearchResponse::default() };
    for context in &contexts {
        let ids = prefix_ids(&store, &authority, state.version, context, ns, rounded)
            .ok_or_else(|| ApiError::internal(unknown_context_error(state.version, context)))?;
        let Some(ids) = ids else { continue };
        let (found, truncated) = prefix_matches(ids.iter().map(String::as_str), &args.prefix);
        response.matches.insert(context.clone(), (!found.is_empty()).then_some(found));
        response.truncations.insert(context.clone(), truncated);
    }
    response.index = contexts.iter().map(|c| context_index(&store, c)).max().unwrap_or(0);
    drop(store);
    req.reply(Some(QueryMeta::Query { index: response.index }), &response)
}

/// `PUT/POST /v1/search/fuzzy`: `Search.FuzzySearch`.
pub async fn fuzzy(State(state): State<AppState>, req: ApiRequest, body: Bytes) -> Result<Response, ApiError> {
    req.require_method(&[Method::POST, Method::PUT])?;
    let args = read_args(&state, &req, &body, true)?;
    state.check_region(&args.region)?;
    let authority = state.authorize(&args.token, Realm::Server)?;
    let ns = args.namespace.as_str();
    let wildcard = ns == ALL_NAMESPACES;
    if !wildcard && !sufficient_perms(&authority, state.version, ns, &args.context) {
        return Err(ApiError::permission_denied());
    }
    let config = SearchConfig::default();
    if args.text.len() < config.min_term_length {
        return Err(ApiError::internal(format!(
            "fuzzy search query must be at least {} characters, got {}",
            config.min_term_length,
            args.text.len()
        )));
    }
    let text = args.text.to_lowercase();
    let store = state.cluster.read();
    let prefix_contexts = filtered_contexts(&authority, state.version, ns, &args.context);
    let fuzzy_contexts = if wildcard {
        expand_context(state.version, &args.context)
    } else {
        filtered_contexts(&authority, state.version, ns, &args.context)
    };
    let mut response = FuzzySearchResponse { known_leader: true, ..FuzzySearchResponse::default() };
    let rounded = round_uuid_down_if_odd(&args.prefix, &args.context);
    for context in prefix_contexts.iter().filter(|c| is_uuid_searched(c)) {
        let Some(Some(ids)) = prefix_ids(&store, &authority, state.version, context, ns, rounded) else { continue };
        let (found, truncated) = prefix_matches(ids.iter().map(String::as_str), &args.text);
        response
            .matches
            .insert(context.clone(), found.into_iter().map(|id| FuzzyMatch { id, scope: vec![] }).collect());
        response.truncations.insert(context.clone(), truncated);
    }
    for context in fuzzy_contexts.iter().filter(|c| !is_uuid_searched(c)) {
        let (matches, truncations) = fuzzy_in(&store, &authority, state.version, context, ns, &text, &config)
            .ok_or_else(|| ApiError::internal(unknown_context_error(state.version, context)))?;
        response.truncations.insert(context.clone(), false);
        for (c, found) in matches {
            response.matches.insert(c.to_string(), found);
        }
        for (c, truncated) in truncations {
            response.truncations.insert(c.to_string(), truncated);
        }
    }
    response.index = fuzzy_contexts.iter().map(|c| context_index(&store, c)).max().unwrap_or(0);
    drop(store);
    req.reply(Some(QueryMeta::Query { index: response.index }), &response)
}

/// The contexts searched by UUID prefix even by the fuzzy search.
fn is_uuid_searched(context: &str) -> bool {
    matches!(
        context,
        ctx::EVALS
            | ctx::DEPLOYMENTS
            | ctx::SCALING_POLICIES
            | ctx::VOLUMES
            | ctx::HOST_VOLUMES
            | ctx::QUOTAS
            | ctx::RECOMMENDATIONS
    )
}

/// `NamespaceValidator(csi-list-volume, csi-read-volume, list-jobs, read-job)`.
fn volume_read(authority: &Authority, ns: &str) -> bool {
    [cap::CSI_LIST_VOLUME, cap::CSI_READ_VOLUME, cap::LIST_JOBS, cap::READ_JOB]
        .iter()
        .any(|op| authority.allow_ns_op(ns, op))
}

/// `sufficientSearchPerms`: refuses a context the token can read nothing of.
fn sufficient_perms(authority: &Authority, version: NomadVersion, ns: &str, context: &str) -> bool {
    if allows_unruled(authority) {
        return true;
    }
    let job_read = authority.allow_ns_op(ns, cap::READ_JOB);
    if !version.search_checks_plugin_and_variable_rules() {
        // Before the fix: any right at all, then the context's own.
        if !authority.allow_node_read() && !authority.allow_namespace(ns) && !job_read {
            return false;
        }
        return match context {
            ctx::NODES => authority.allow_node_read(),
            ctx::NAMESPACES => authority.allow_namespace(ns),
            ctx::ALLOCS | ctx::DEPLOYMENTS | ctx::EVALS | ctx::JOBS => job_read,
            ctx::VOLUMES => volume_read(authority, ns),
            ctx::VARIABLES => false,
            _ => true,
        };
    }
    match context {
        ctx::NODES => authority.allow_node_read(),
        ctx::NODE_POOLS | ctx::VARIABLES | ctx::PLUGINS | ctx::QUOTAS => false,
        ctx::NAMESPACES => authority.allow_namespace(ns),
        ctx::ALLOCS | ctx::DEPLOYMENTS | ctx::EVALS | ctx::JOBS | ctx::SCALING_POLICIES | ctx::RECOMMENDATIONS => {
            job_read
        }
        ctx::VOLUMES => volume_read(authority, ns),
        ctx::HOST_VOLUMES => authority.allow_ns_op(ns, HOST_VOLUME_READ),
        _ => true,
    }
}

/// `filteredSearchContexts`: the contexts asked for that the token may read in `ns`.
fn filtered_contexts(authority: &Authority, version: NomadVersion, ns: &str, context: &str) -> Vec<String> {
    let desired = expand_context(version, context);
    if allows_unruled(authority) {
        return desired;
    }
    let job_read = authority.allow_ns_op(ns, cap::READ_JOB);
    let fixed = version.search_checks_plugin_and_variable_rules();
    desired
        .into_iter()
        .filter(|c| match c.as_str() {
            // Before the fix, variables went with read-job and plugins were open.
            ctx::VARIABLES if !fixed => job_read,
            ctx::PLUGINS if !fixed => true,
            ctx::ALLOCS | ctx::JOBS | ctx::EVALS | ctx::DEPLOYMENTS => job_read,
            ctx::SCALING_POLICIES => job_read || authority.allow_ns_op(ns, cap::LIST_SCALING_POLICIES),
            ctx::NAMESPACES => authority.allow_namespace(ns),
            ctx::NODES => authority.allow_node_read(),
            ctx::VARIABLES | ctx::NODE_POOLS | ctx::PLUGINS => false,
            ctx::VOLUMES => volume_read(authority, ns),
            ctx::HOST_VOLUMES => authority.allow_ns_op(ns, HOST_VOLUME_READ),
            _ => true,
        })
        .collect()
}

/// `state.Index(contextToIndex(ctx))`: the tables this agent has; the others were never
/// written (0), the node pools at 1.
fn context_index(store: &Store, context: &str) -> u64 {
    match context {
        ctx::ALLOCS => store.table_index(Table::Allocs),
        ctx::JOBS => store.table_index(Table::Jobs),
        ctx::NODES => store.table_index(Table::Nodes),
        ctx::EVALS => store.table_index(Table::Evals),
        ctx::NAMESPACES => store.table_index(Table::Namespaces),
        ctx::NODE_POOLS => BUILT_IN_POOLS_INDEX,
        _ => 0,
    }
}

/// `getResourceIter`: the IDs the context's index yields for `prefix`, in index order.
/// `Some(None)` where go-memdb refuses the prefix for a UUID index (the search silences
/// that and leaves the context out); `None` for a context the server does not know.
fn prefix_ids(
    store: &Store,
    authority: &Authority,
    version: NomadVersion,
    context: &str,
    ns: &str,
    prefix: &str,
) -> Option<Option<Vec<String>>> {
    let in_ns = |namespace: &str| ns == ALL_NAMESPACES || namespace == ns;
    let uuid = || uuid_prefix_bytes(prefix);
    let ids = match context {
        ctx::ALLOCS => uuid().map(|p| {
            store
                .allocs()
                .filter(|a| in_ns(&a.namespace) && uuid_has_prefix_bytes(&a.id, &p))
                .map(|a| a.id.clone())
                .collect()
        }),
        ctx::EVALS => uuid().map(|p| {
            store
                .evals()
                .filter(|e| in_ns(&e.namespace) && uuid_has_prefix_bytes(&e.id, &p))
                .map(|e| e.id.clone())
                .collect()
        }),
        ctx::NODES => {
            uuid().map(|p| store.nodes().filter(|n| uuid_has_prefix_bytes(&n.id, &p)).map(|n| n.id.clone()).collect())
        }
        ctx::DEPLOYMENTS => uuid().map(|_| Vec::new()),
        ctx::JOBS => {
            // The `*` namespace walks every job (by namespace, then ID); one namespace reads
            // its own by ID.
            Some(
                store
                    .jobs()
                    .filter(|j| in_ns(&j.namespace) && j.id.starts_with(prefix))
                    .map(|j| j.id.clone())
                    .collect(),
            )
        }
        ctx::NODE_POOLS if version.node_pools() => Some(
            NodePool::built_in(version)
                .into_iter()
                .filter(|p| p.name.starts_with(prefix) && allows_unruled(authority))
                .map(|p| p.name)
                .collect(),
        ),
        ctx::NAMESPACES => Some(
            store
                .namespaces()
                .filter(|n| n.name.starts_with(prefix) && authority.allow_namespace(&n.name))
                .map(|n| n.name.clone())
                .collect(),
        ),
        ctx::HOST_VOLUMES if version.host_volumes() => Some(Vec::new()),
        ctx::PLUGINS | ctx::VOLUMES | ctx::SCALING_POLICIES | ctx::VARIABLES => Some(Vec::new()),
        _ => return None,
    };
    Some(ids)
}

type FuzzyResult = (BTreeMap<&'static str, Vec<FuzzyMatch>>, BTreeMap<&'static str, bool>);

/// `getFuzzyResourceIterator` and `getFuzzyMatches` for one context; `None` for a context
/// the server does not know.
fn fuzzy_in(
    store: &Store,
    authority: &Authority,
    version: NomadVersion,
    context: &str,
    ns: &str,
    text: &str,
    config: &SearchConfig,
) -> Option<FuzzyResult> {
    let wildcard = ns == ALL_NAMESPACES;
    let single = |c: &'static str, m: Option<ScoredMatch>| -> BTreeMap<&'static str, Vec<ScoredMatch>> {
        m.map(|m| BTreeMap::from([(c, vec![m])])).unwrap_or_default()
    };
    let result = match context {
        ctx::JOBS => collect_fuzzy(
            store.jobs().filter(|j| {
                if wildcard {
                    authority.allow_ns_op(&j.namespace, cap::READ_JOB)
                } else {
                    j.namespace == ns
                }
            }),
            config,
            |j| fuzzy_job_matches(j, text),
        ),
        ctx::ALLOCS => collect_fuzzy(
            store.allocs().filter(|a| {
                if wildcard {
                    authority.allow_ns_op(&a.namespace, cap::READ_JOB)
                } else {
                    a.namespace == ns
                }
            }),
            config,
            |a| single(ctx::ALLOCS, fuzzy_match(&a.name, text, vec![a.namespace.clone(), a.id.clone()])),
        ),
        ctx::NODES => collect_fuzzy(store.nodes().filter(|_| !wildcard || authority.allow_node_read()), config, |n| {
            single(ctx::NODES, fuzzy_match(&n.name, text, vec![n.id.clone()]))
        }),
        ctx::NODE_POOLS if version.node_pools() => {
            collect_fuzzy(NodePool::built_in(version).into_iter().filter(|_| allows_unruled(authority)), config, |p| {
                single(ctx::NODE_POOLS, fuzzy_match(&p.name, text, vec![p.name.clone()]))
            })
        }
        ctx::NAMESPACES => {
            collect_fuzzy(store.namespaces().filter(|n| authority.allow_namespace(&n.name)), config, |n| {
                single(ctx::NAMESPACES, fuzzy_match(&n.name, text, vec![]))
            })
        }
        ctx::PLUGINS | ctx::VARIABLES => Default::default(),
        _ => return None,
    };
    Some(result)
}
