//! placeholder replaced by the dashboard
