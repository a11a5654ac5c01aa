//! One module per route.

pub mod agent;
pub mod not_found;
