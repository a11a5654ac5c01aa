//! Pure view logic, free of the UI framework: formatting, URL state, filtering and sorting,
//! time series, virtual scrolling. Built and unit-tested natively.

pub mod alloc_list;
pub mod format;
pub mod series;
pub mod url;
pub mod virtual_rows;
