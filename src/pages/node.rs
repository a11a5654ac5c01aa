//! `/nodes/:id`: a client node: its details (kept live by its own events) with the toggle
//! of its scheduling eligibility, live host usage (CPU per core, memory, disks, uptime) and
//! its allocations.

use crate::api::client::use_client;
use crate::api::endpoints;
use crate::api::feed::{live_node, live_node_allocations, FeedSpec};
use crate::api::live::{live, LiveOptions};
use crate::components::alloc_table::AllocTable;
use crate::components::chart::{record_polls, Chart, Line};
use crate::components::live_status::LiveStatus;
use crate::components::live_view::{LiveHeader, LiveView};
use crate::components::status::StatusBadge;
use crate::model::alloc_list::Facet;
use crate::model::format::{bytes, or_none, percent, short_id, uptime};
use crate::model::usage::HostUsage;
use crate::session::scope::use_scope;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped;
use leptos_router::hooks::use_params_map;
use nomad_api::{scheduling_eligibility, HostStats, Node};
use std::time::Duration;

#[component]
pub fn NodePage() -> impl IntoView {
    let params = use_params_map();
    let scope = use_scope();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    // Its own events keep it live (blocking queries where the stream cannot be had).
    let node = live_node(move || Some(FeedSpec::one_node(&scope.get(), &id.get())), LiveOptions::FOREGROUND);
    // This node's allocations only (`/v1/node/:id/allocations`), kept live by the events.
    let allocs = live_node_allocations(move || Some(FeedSpec::node(&scope.get(), &id.get())), LiveOptions::BACKGROUND);
    view! {
        <div class="page-header">
            <h1 data-testid="node-title">
                {move || {
                    node.data
                        .with(|n| n.as_ref().and_then(|n| n.first()).map(|n| n.name.clone()))
                        .unwrap_or_else(|| format!("Node {}", short_id(&id.get())))
                }}
            </h1>
            <span class="mono muted">{id}</span>
        </div>
        <div data-testid="node-details">
            <LiveView live=node children=|nodes| nodes.first().cloned().map(|n| view! { <NodeSummary node=n /> }) />
        </div>
        <HostUsageView id />
        <section class="panel" data-testid="node-allocations">
            <h2>"Allocations"</h2>
            <LiveHeader live=allocs />
            <AllocTable live=allocs only=(Facet::Node, Signal::from(id)) />
        </section>
    }
}

#[component]
fn NodeSummary(node: std::sync::Arc<Node>) -> impl IntoView {
    let n = node;
    let resources = n.node_resources.clone().unwrap_or_default();
    view! {
        <section class="panel" data-testid="node-summary">
            <div class="toolbar">
                <StatusBadge status=n.status.clone() testid="node-status" />
                <span data-testid="node-eligibility" data-eligibility=n.scheduling_eligibility.clone()>
                    {n.scheduling_eligibility.clone()}
                </span>
                {n.drain.then_some(view! { <span class="badge badge-draining">"draining"</span> })}
            </div>
            <EligibilityToggle
                id=n.id.clone()
                eligible=n.scheduling_eligibility == scheduling_eligibility::ELIGIBLE
                draining=n.drain
            />
            <dl class="kv">
                <dt>"Datacenter"</dt>
                <dd>{n.datacenter.clone()}</dd>
                <dt>"Node pool"</dt>
                <dd>{or_none(&n.node_pool).to_string()}</dd>
                <dt>"Class"</dt>
                <dd>{or_none(&n.node_class).to_string()}</dd>
                <dt>"HTTP address"</dt>
                <dd>{n.http_addr.clone()}</dd>
                <dt>"CPU"</dt>
                <dd>{resources.cpu.cpu_shares}" MHz, "{resources.cpu.total_cpu_cores}" cores"</dd>
                <dt>"Memory"</dt>
                <dd>{resources.memory.memory_mb}" MiB"</dd>
                <dt>"Disk"</dt>
                <dd>{resources.disk.disk_mb}" MiB"</dd>
                <dt>"Drivers"</dt>
                <dd>
                    {n
                        .drivers
                        .iter()
                        .map(|(name, d)| format!("{name} ({})", if d.healthy { "healthy" } else { "unhealthy" }))
                        .collect::<Vec<_>>()
                        .join(", ")}
                </dd>
            </dl>
        </section>
    }
}

/// Nomad's "Eligible" toggle (`ui/app/templates/clients/client/index.hbs`): disabled while
/// its write is in flight, while the node drains, or when the token lacks `node:write`
/// (with the reason). It shows the eligibility the server holds, never the one asked for:
/// the new state arrives with the node's event, which renders the summary and this toggle
/// again; Nomad's error is shown beside it until the next try.
#[component]
fn EligibilityToggle(id: String, eligible: bool, draining: bool) -> impl IntoView {
    let session = use_session();
    let client = use_client();
    let scope = use_scope();
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let denied = Memo::new(move |_| session.permissions().check(crate::acl::Capability::NodeWrite, "").err());
    let toggle = move |_| {
        let write = endpoints::node_eligibility(&scope.get_untracked(), &id, !eligible);
        sending.set(true);
        error.set(None);
        spawn_local_scoped(async move {
            let result = client.send(&write).await;
            sending.set(false);
            if let Err(e) = result {
                error.set(Some(e.to_string()));
            }
        });
    };
    view! {
        <div class="eligibility" data-testid="node-eligibility-control">
            <label class="toggle" title="Only eligible clients can receive allocations">
                <button
                    type="button"
                    role="switch"
                    class=if eligible { "switch on" } else { "switch off" }
                    aria-checked=if eligible { "true" } else { "false" }
                    data-testid="node-eligibility-toggle"
                    data-eligible=if eligible { "true" } else { "false" }
                    data-sending=move || if sending.get() { "true" } else { "false" }
                    disabled=move || sending.get() || draining || denied.with(Option::is_some)
                    on:click=toggle
                ></button>
                "Eligible"
            </label>
            {draining
                .then(|| {
                    view! {
                        <span class="denied" data-testid="node-eligibility-draining">
                            "The node is draining: it stays ineligible until the drain ends"
                        </span>
                    }
                })}
            {move || {
                denied
                    .get()
                    .map(|reason| {
                        view! {
                            <span class="denied" data-testid="node-eligibility-denied">
                                {reason}
                            </span>
                        }
                    })
            }}
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <span class="outcome outcome-failed" data-testid="node-eligibility-error">
                                "Eligibility error: "
                                {e}
                            </span>
                        }
                    })
            }}
        </div>
    }
}

fn mem(v: f64) -> String {
    bytes(v.max(0.0) as u64)
}

/// `/v1/client/stats`, every 2 s while visible.
#[component]
fn HostUsageView(id: Memo<String>) -> impl IntoView {
    let scope = use_scope();
    let stats = live::<HostStats>(
        move || Some(endpoints::client_stats(&scope.get(), &id.get())),
        LiveOptions::every(Duration::from_secs(2)),
    );
    let history = record_polls(stats, HostUsage::record);
    let now = Signal::derive(move || history.with(|h| h.now));
    let cpu =
        Signal::derive(move || history.with(|h| vec![Line { label: "CPU", class: "line-cpu", series: h.cpu.clone() }]));
    let memory = Signal::derive(move || {
        history.with(|h| vec![Line { label: "used", class: "line-rss", series: h.memory.clone() }])
    });
    let total_memory =
        Signal::derive(move || stats.data.with(|s| s.as_ref().and_then(|s| s.memory.as_ref()).map(|m| m.total as f64)));
    view! {
        <section class="panel" data-testid="host-stats">
            <h2>"Host"</h2>
            <LiveStatus state=stats.state />
            <div class="chart-pair">
                <Chart
                    title="CPU (all cores)".to_string()
                    testid="chart-host-cpu".to_string()
                    lines=cpu
                    limit=Signal::derive(|| Some(100.0))
                    now
                    format=percent
                />
                <Chart
                    title="Memory".to_string()
                    testid="chart-host-memory".to_string()
                    lines=memory
                    limit=total_memory
                    now
                    format=mem
                />
            </div>
            {move || {
                stats
                    .data
                    .get()
                    .map(|s| {
                        view! {
                            <p data-testid="host-uptime">"Up "{uptime(s.uptime)}</p>
                            <h3>"CPU per core"</h3>
                            <div class="cores" data-testid="host-cores">
                                {s
                                    .cpu
                                    .iter()
                                    .map(|c| {
                                        view! {
                                            <div
                                                class="core"
                                                data-testid="host-core"
                                                data-percent=format!("{:.2}", c.percent())
                                                title=format!(
                                                    "{}: user {} system {} idle {}",
                                                    c.cpu,
                                                    percent(c.user),
                                                    percent(c.system),
                                                    percent(c.idle),
                                                )
                                            >
                                                <span class="muted">{c.cpu.clone()}</span>
                                                // `Total` up to Nomad 1.5, `TotalPercent` from 1.6.
                                                <div class="bar">
                                                    <div
                                                        class="fill"
                                                        style=format!("width: {:.1}%", c.percent().clamp(0.0, 100.0))
                                                    ></div>
                                                </div>
                                                <span>{percent(c.percent())}</span>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                            <h3>"Disks"</h3>
                            <table class="table" data-testid="host-disks">
                                <thead>
                                    <tr>
                                        <th>"Device"</th>
                                        <th>"Mount point"</th>
                                        <th>"Used"</th>
                                        <th>"Size"</th>
                                        <th>"Use"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {s
                                        .disk_stats
                                        .iter()
                                        .chain(s.alloc_dir_stats.iter())
                                        .map(|d| {
                                            view! {
                                                <tr>
                                                    <td>
                                                        {if d.device.is_empty() {
                                                            "(allocation dir)".to_string()
                                                        } else {
                                                            d.device.clone()
                                                        }}
                                                    </td>
                                                    <td>{d.mountpoint.clone()}</td>
                                                    <td>{bytes(d.used)}</td>
                                                    <td>{bytes(d.size)}</td>
                                                    <td>
                                                        <div class="bar">
                                                            <div
                                                                class="fill"
                                                                style=format!(
                                                                    "width: {:.1}%",
                                                                    d.used_percent.clamp(0.0, 100.0),
                                                                )
                                                            ></div>
                                                        </div>
                                                        {percent(d.used_percent)}
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                    })
            }}
        </section>
    }
}
