//! `/allocations`: every allocation in the namespace, live: a snapshot, then the event stream's
//! changes (blocking queries where the stream cannot be had).

use crate::api::endpoints;
use crate::api::feed::{live_allocations, FeedSpec};
use crate::api::live::LiveOptions;
use crate::components::alloc_table::AllocTable;
use crate::components::filter_box::{use_filter_expression, FilterBox};
use crate::components::live_view::LiveHeader;
use crate::session::scope::use_scope;
use leptos::prelude::*;

#[component]
pub fn AllocationsPage() -> impl IntoView {
    let scope = use_scope();
    let expression = use_filter_expression();
    let allocs = live_allocations(
        move || {
            let scope = scope.get();
            Some(FeedSpec::allocations(&scope, endpoints::allocations(&scope, expression.get().as_deref())))
        },
        LiveOptions::FOREGROUND,
    );
    view! {
        <div class="page-header">
            <h1>"Allocations"</h1>
        </div>
        <FilterBox
            read=endpoints::allocations
            placeholder=r#"JobID matches "^billing-" and ClientStatus == "failed""#
        />
        <LiveHeader live=allocs />
        <AllocTable live=allocs />
    }
}
