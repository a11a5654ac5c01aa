//! `/allocations`: every allocation in the namespace, live.

use crate::api::endpoints;
use crate::api::live::{live_list, LiveOptions};
use crate::components::alloc_table::AllocTable;
use crate::components::filter_box::{use_filter_expression, FilterBox};
use crate::components::live_view::LiveHeader;
use crate::session::scope::use_scope;
use leptos::prelude::*;
use nomad_api::AllocationListStub;

#[component]
pub fn AllocationsPage() -> impl IntoView {
    let scope = use_scope();
    let expression = use_filter_expression();
    let allocs = live_list::<AllocationListStub>(
        move || Some(endpoints::allocations(&scope.get(), expression.get().as_deref())),
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
