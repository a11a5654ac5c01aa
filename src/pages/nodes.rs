//! `/nodes`: the client nodes, live (a snapshot, then the event stream's changes; blocking
//! queries where the stream cannot be had), linking to each node's view and allocations.

use crate::api::endpoints;
use crate::api::feed::{live_feed, FeedSpec};
use crate::api::live::LiveOptions;
use crate::components::live_view::LiveView;
use crate::components::status::StatusBadge;
use crate::model::format::short_id;
use crate::model::node_feed::NodeFeed;
use crate::model::route::Page;
use crate::session::scope::{scoped_href, use_scope};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NodesPage() -> impl IntoView {
    let scope = use_scope();
    let nodes = live_feed::<NodeFeed>(
        move || {
            let scope = scope.get();
            Some(FeedSpec::nodes(&scope, endpoints::nodes(&scope)))
        },
        LiveOptions::FOREGROUND,
    );
    view! {
        <div class="page-header">
            <h1>"Nodes"</h1>
        </div>
        <LiveView
            live=nodes
            children=move |nodes| {
                let s = scope.get_untracked();
                let rows = nodes
                    .iter()
                    .map(|n| {
                        let href = scoped_href(&s, &Page::Node(&n.id).path());
                        let (short, name) = (short_id(&n.id).to_string(), n.name.clone());
                        view! {
                            <tr data-testid="node-row" data-id=n.id.clone()>
                                <td class="mono">
                                    <A href=href.clone()>{short}</A>
                                </td>
                                <td>
                                    <A href=href>{name}</A>
                                </td>
                                <td>
                                    <StatusBadge status=n.status.clone() />
                                    {n.drain.then_some(" draining")}
                                </td>
                                <td data-testid="node-row-eligibility">{n.scheduling_eligibility.clone()}</td>
                                <td>{n.datacenter.clone()}</td>
                                <td>{n.node_pool.clone()}</td>
                                <td>{n.address.clone()}</td>
                                <td>{n.version.clone()}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <table class="table" data-testid="node-list">
                        <thead>
                            <tr>
                                <th>"ID"</th>
                                <th>"Name"</th>
                                <th>"Status"</th>
                                <th>"Eligibility"</th>
                                <th>"Datacenter"</th>
                                <th>"Pool"</th>
                                <th>"Address"</th>
                                <th>"Version"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
            }
        />
    }
}
