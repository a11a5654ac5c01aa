//! One module per route.

pub mod agent;
pub mod allocation;
pub mod allocations;
pub mod exec;
pub mod files;
pub mod jobs;
pub mod logs;
pub mod node;
pub mod nodes;
pub mod not_found;
pub mod settings;
