//! The log viewer's and file browser's logic, free of the UI framework so it is tested
//! natively: the dashboard draws what these types compute.
//!
//! - [`follow`]: follows a framed log or file stream and resumes it after a drop from the
//!   exact byte already taken in (alloc-fs's documented scheme), and loads earlier output.
//! - [`plain`]: the same for plain mode, from listings (plain bodies carry no positions).
//! - [`ansi`]: decoded text to styled lines as a terminal shows them.
//! - [`store`]: the retained lines, bounded, with a count of what was dropped.
//! - [`search`] and [`filter`]: matches, counts and `grep -C`-like filtering (a regex search
//!   skips lines without the text every match needs).
//! - [`merge`]: task prefixes and colours for a merged view.
//! - [`render`]: a line cut into styled, highlighted pieces.
//! - [`layout`]: which lines are on screen, wrapped or not (virtual scrolling).
//! - [`viewer`]: all of the above together, as one log view draws it.
//! - [`files`]: the file browser's sorting, breadcrumbs and previews.

pub mod ansi;
pub mod files;
pub mod filter;
pub mod follow;
pub mod layout;
mod literal;
pub mod logs;
pub mod merge;
pub mod plain;
pub mod render;
pub mod search;
pub mod store;
pub mod style;
pub mod viewer;
