//! Views shared by the pages.

pub mod error_panel;
pub mod live_status;
pub mod live_view;
pub mod nav;
pub mod time;
pub mod token_form;
