//! ACL tokens and the other navigation lists (`/v1/acl/token/self`, `/v1/namespaces`).

use crate::serde_util::nullable;
use crate::time::{self, DateTime};
use serde::{Deserialize, Serialize};

/// `Type` values.
pub mod token_type {
    pub const CLIENT: &str = "client";
    pub const MANAGEMENT: &str = "management";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclToken {
    #[serde(rename = "AccessorID")]
    pub accessor_id: String,
    #[serde(rename = "SecretID")]
    pub secret_id: String,
    pub name: String,
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub policies: Vec<String>,
    pub global: bool,
    #[serde(with = "time::optional")]
    pub create_time: Option<DateTime>,
    #[serde(with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub expiration_time: Option<DateTime>,
    pub create_index: u64,
    pub modify_index: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Namespace {
    pub name: String,
    pub description: String,
    pub create_index: u64,
    pub modify_index: u64,
}
