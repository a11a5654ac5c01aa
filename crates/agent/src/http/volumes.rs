//! `/v1/volumes`: CSI volumes, and from 1.10 dynamic host volumes
//! (`command/agent/volumes_endpoint.go`, `csi_endpoint.go`, `host_volume_endpoint.go`;
//! `nomad/csi_endpoint.go` `CSIVolume.List`, `nomad/host_volume_endpoint.go`
//! `HostVolume.List`). This agent has neither, so every list is empty.
//!
//! Without a `type` the answer is `[]` before anything is checked. From 1.10 `GET` goes to
//! `ListVolumesRequest` (`host`, `csi`, anything else `404 resource not found`) and other
//! methods to `CSIVolumesRequest`; before, everything goes to `CSIVolumesRequest`, which
//! answers a `type` other than `csi` with an empty body.

use super::listing::{allows_unruled, write_not_modelled, Paging};
use super::meta::QueryMeta;
use super::request::{body_field, decode_body_object, empty_response, ApiRequest};
use crate::acl::{cap, Realm};
use crate::blocking::wait_past_index;
use crate::error::{ApiError, RESOURCE_NOT_FOUND};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;

/// `state.Index("csi_volumes")`: never written.
const CSI_VOLUMES_INDEX: u64 = 0;
/// `state.Index("host_volumes")` floored to 1 (`setReplyQueryMeta`).
const HOST_VOLUMES_INDEX: u64 = 1;

pub async fn list(State(state): State<AppState>, req: ApiRequest, body: Bytes) -> Result<Response, ApiError> {
    let kind = req.has("type").then(|| req.all("type").first().copied().unwrap_or_default());
    let is_get = matches!(req.method, Method::GET | Method::HEAD);
    if state.version.host_volumes() && is_get {
        return match kind {
            None => req.reply(None, &Vec::<serde_json::Value>::new()),
            Some("host") => host(&state, &req).await,
            Some("csi") => csi(&state, &req).await,
            Some(_) => Err(ApiError::not_found(RESOURCE_NOT_FOUND)),
        };
    }
    match req.method {
        Method::PUT | Method::POST => return register(&state, &req, &body),
        Method::GET => {}
        _ => return Err(ApiError::invalid_method()),
    }
    match kind {
        None => req.reply(None, &Vec::<serde_json::Value>::new()),
        Some("csi") => csi(&state, &req).await,
        Some(_) => Ok(empty_response(None)),
    }
}

/// `csiVolumeRegister` (`command/agent/csi_endpoint.go`), `CSIVolume.Register`: the body, then
/// plugin:read (which only a management token has here), then at least one volume. This
/// agent has no CSI plugin to register a volume with: past the checks, not modelled.
fn register(state: &AppState, req: &ApiRequest, body: &[u8]) -> Result<Response, ApiError> {
    let args = decode_body_object(body, "structs.CSIVolumeRegisterRequest", &[])?;
    state.check_region(&req.write_region(&state.region))?;
    if !allows_unruled(&state.authorize(req.token(), Realm::Server)?) {
        return Err(ApiError::permission_denied());
    }
    if body_field(&args, "Volumes").and_then(|v| v.as_array()).is_none_or(Vec::is_empty) {
        return Err(ApiError::internal("missing volume definition"));
    }
    Err(write_not_modelled("registering a CSI volume"))
}

/// `CSIVolume.List`: any of csi-list-volume, csi-read-volume, csi-mount-volume or list-jobs
/// in the namespace.
async fn csi(state: &AppState, req: &ApiRequest) -> Result<Response, ApiError> {
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    let allowed = [cap::CSI_LIST_VOLUME, cap::CSI_READ_VOLUME, cap::CSI_MOUNT_VOLUME, cap::LIST_JOBS]
        .iter()
        .any(|op| authority.allow_ns_op(&opts.namespace, op));
    if !allowed {
        return Err(ApiError::permission_denied());
    }
    Paging::of(req)?;
    wait_past_index(&state.cluster, &opts, |_| CSI_VOLUMES_INDEX).await;
    req.reply(Some(QueryMeta::Query { index: CSI_VOLUMES_INDEX }), &Vec::<serde_json::Value>::new())
}

/// `HostVolume.List` (1.10+): no capability is checked before listing; each volume is
/// filtered by host-volume-read, and there are none.
async fn host(state: &AppState, req: &ApiRequest) -> Result<Response, ApiError> {
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    state.authorize(req.token(), Realm::Server)?;
    Paging::of(req)?;
    wait_past_index(&state.cluster, &opts, |_| HOST_VOLUMES_INDEX).await;
    req.reply(Some(QueryMeta::Query { index: HOST_VOLUMES_INDEX }), &Vec::<serde_json::Value>::new())
}
