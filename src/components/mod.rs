//! Views shared by the pages.

pub mod action;
pub mod alloc_table;
pub mod blob;
pub mod chart;
pub mod confirm;
pub mod error_panel;
pub mod filter_box;
pub mod live_status;
pub mod live_view;
pub mod log_viewer;
pub mod nav;
pub mod query_nav;
pub mod raw_json;
pub mod resize;
pub mod status;
pub mod time;
pub mod token_form;
