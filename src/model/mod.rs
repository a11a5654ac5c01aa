//! Pure view logic, free of the UI framework: formatting, URL state, filtering and sorting,
//! time series, virtual scrolling. Built and unit-tested natively.

pub mod alloc_list;
pub mod deployment;
pub mod exec_command;
pub mod feed;
pub mod format;
pub mod job_feed;
pub mod node_feed;
pub mod output_queue;
pub mod route;
pub mod series;
pub mod timeline;
pub mod url;
pub mod usage;
pub mod virtual_rows;
