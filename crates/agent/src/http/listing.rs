//! What the read endpoints added for clients of Nomad 1.6+ share: Nomad's result paginator
//! (`nomad/state/paginator`: `per_page`, `next_token`, `reverse`, `filter`), the
//! `X-Nomad-NextToken` header, and the ACL answers for the policy blocks this agent's tokens
//! never carry.

use super::request::ApiRequest;
use crate::acl::Authority;
use crate::error::ApiError;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use nomad_api::filter::Filter;
use serde::Serialize;
use std::cmp::Ordering;

pub use nomad_api::query::HEADER_NEXT_TOKEN;

/// The paging options of `structs.QueryOptions`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Paging {
    /// `per_page`; 0 is no limit.
    pub per_page: i32,
    pub next_token: String,
    /// `reverse=true` (any other value is false).
    pub reverse: bool,
    /// `filter`, parsed.
    pub filter: Option<Filter>,
}

impl Paging {
    /// `parsePagination`, `parseFilter` and `parseReverse` (`per_page` was already checked
    /// to be a number by `ApiRequest::query_options`); a filter that does not parse is the
    /// paginator's 400.
    pub fn of(req: &ApiRequest) -> Result<Paging, ApiError> {
        let filter = match req.get("filter") {
            "" => None,
            // The grammar of the release's go-bexpr (`is nil` from 1.11.3).
            text => Some(Filter::parse_for(text, req.version()).map_err(|e| {
                ApiError::bad_request(format!(
                    "failed to create result paginator: failed to read filter expression: {e}"
                ))
            })?),
        };
        Ok(Paging {
            per_page: req.get("per_page").parse().unwrap_or(0),
            next_token: req.get("next_token").to_string(),
            reverse: req.get("reverse") == "true",
            filter,
        })
    }

    /// `Paginator.Page` over `items` in index order (already reversed when `reverse`):
    /// items before the `next_token` are skipped, then those the filter or the selector
    /// refuse; past `per_page` items the next one's token is the next page's. `token` gives
    /// an item's token and how it compares with the target token; the filter reads an item
    /// as it is written in JSON.
    pub fn page<T: Serialize>(
        &self,
        items: impl IntoIterator<Item = T>,
        token: impl Fn(&T, &str) -> (String, Ordering),
        select: impl Fn(&T) -> bool,
    ) -> Result<(Vec<T>, String), ApiError> {
        let mut found = self.next_token.is_empty();
        let mut out = Vec::new();
        let mut count: i64 = 0;
        for item in items {
            let (item_token, compared) = token(&item, &self.next_token);
            let passed = if self.reverse { compared == Ordering::Greater } else { compared == Ordering::Less };
            if !found && passed {
                continue;
            }
            if let Some(filter) = &self.filter {
                let datum = serde_json::to_value(&item).map_err(|e| ApiError::internal(e.to_string()))?;
                let allowed = filter
                    .matches(&datum)
                    .map_err(|e| ApiError::bad_request(format!("failed to read result page: {e}")))?;
                if !allowed {
                    continue;
                }
            }
            if !select(&item) {
                continue;
            }
            found = true;
            count += 1;
            if self.per_page != 0 && count > i64::from(self.per_page) {
                return Ok((out, item_token));
            }
            out.push(item);
        }
        Ok((out, String::new()))
    }
}

/// `IDTokenizer`: the ID itself.
pub fn id_token(id: &str, target: &str) -> (String, Ordering) {
    (id.to_string(), id.cmp(target))
}

/// `CreateIndexAndIDTokenizer`: `<create index>.<id>`, compared by index then ID when the
/// target has that form, as text otherwise.
pub fn create_index_token(create_index: u64, id: &str, target: &str) -> (String, Ordering) {
    let token = format!("{create_index}.{id}");
    let compared = match target.split_once('.') {
        Some((index, target_id)) => match index.parse::<i64>() {
            Ok(target_index) => (create_index as i128).cmp(&(target_index as i128)).then_with(|| id.cmp(target_id)),
            Err(_) => token.as_str().cmp(target),
        },
        None => token.as_str().cmp(target),
    };
    (token, compared)
}

/// `NamespaceIDTokenizer`: `<namespace>.<id>`.
pub fn namespace_id_token(namespace: &str, id: &str, target: &str) -> (String, Ordering) {
    let token = format!("{namespace}.{id}");
    let compared = token.as_str().cmp(target);
    (token, compared)
}

/// Sets `X-Nomad-NextToken` when there is a next page.
pub fn with_next_token(mut response: Response, next_token: &str) -> Response {
    if !next_token.is_empty() {
        if let Ok(value) = HeaderValue::from_str(next_token) {
            response.headers_mut().insert(HEADER_NEXT_TOKEN, value);
        }
    }
    response
}

/// Whether the token passes a check of a policy block this agent's tokens never carry
/// (`node_pool`, `plugin`, `variables`, `host_volume` rules): only with ACLs off or a
/// management token. The built-in read-only and operator policies have namespace, node and
/// agent rules only (`crate::acl`), so for them Nomad's `AllowNodePoolOperation`,
/// `AllowNodePoolSearch`, `AllowPluginList`, `AllowVariableSearch` and
/// `AllowVariableOperation` are all false.
pub fn allows_unruled(authority: &Authority) -> bool {
    authority.is_management()
}

/// `allowedNSes`: `None` when every namespace is allowed (ACLs off, management), else those
/// the check allows; an empty set is Nomad's `ErrPermissionDenied`, which list endpoints
/// answer with an empty list.
pub fn allowed_namespaces<'a>(
    authority: &Authority,
    namespaces: impl Iterator<Item = &'a str>,
    allow: impl Fn(&str) -> bool,
) -> Option<Vec<String>> {
    if allows_unruled(authority) {
        return None;
    }
    Some(namespaces.filter(|ns| allow(ns)).map(str::to_string).collect())
}

/// An answer this agent gives to a write it does not model, so that a client sees plainly
/// that nothing was done (Nomad would carry it out).
pub fn write_not_modelled(what: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_IMPLEMENTED, format!("{what} is not modelled by this agent"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// nomad/state/paginator/paginator.go `next` (v1.11.3).
    #[test]
    fn pages_as_nomads_paginator() {
        let ids = ["a", "b", "c", "d", "e"];
        let paging =
            |per_page, next: &str, reverse| Paging { per_page, next_token: next.into(), reverse, filter: None };
        let tok = |s: &&str, t: &str| id_token(s, t);
        assert_eq!(paging(2, "", false).page(ids, tok, |_| true).unwrap(), (vec!["a", "b"], "c".to_string()));
        assert_eq!(paging(2, "c", false).page(ids, tok, |_| true).unwrap(), (vec!["c", "d"], "e".to_string()));
        assert_eq!(paging(2, "e", false).page(ids, tok, |_| true).unwrap(), (vec!["e"], String::new()));
        assert_eq!(paging(0, "", false).page(ids, tok, |s| *s != "b").unwrap().0, ["a", "c", "d", "e"]);
        let rev = ["e", "d", "c", "b", "a"];
        assert_eq!(paging(2, "c", true).page(rev, tok, |_| true).unwrap(), (vec!["c", "b"], "a".to_string()));
        // The filter reads each item's JSON; a page counts only what passes it.
        let records = [
            serde_json::json!({"ID": "a", "N": 1}),
            serde_json::json!({"ID": "b", "N": 2}),
            serde_json::json!({"ID": "c", "N": 3}),
        ];
        let filtered = Paging { per_page: 1, filter: Some(Filter::parse("N != 1").unwrap()), ..Paging::default() };
        let (page, next) = filtered.page(&records, |r, t| id_token(r["ID"].as_str().unwrap(), t), |_| true).unwrap();
        assert_eq!((page.len(), page[0]["ID"].as_str(), next.as_str()), (1, Some("b"), "c"));
        assert_eq!(create_index_token(12, "x", "9.z").1, Ordering::Greater);
        assert_eq!(create_index_token(12, "a", "12.b"), ("12.a".to_string(), Ordering::Less));
    }
}
