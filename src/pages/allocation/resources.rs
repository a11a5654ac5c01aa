//! What the allocation was given (resources, ports), how it was placed (scheduling metrics),
//! and where it came from and went (reschedule tracker).

use super::Current;
use crate::api::endpoints::Scope;
use crate::components::time::RelativeTime;
use crate::model::format::{duration, short_id};
use crate::model::route::Page;
use crate::session::scope::scoped_href;
use leptos::prelude::*;
use leptos_router::components::A;
use nomad_api::{AllocatedResources, Allocation};

/// Per-task CPU and memory, shared disk and ports; from `AllocatedResources`, or the pre-0.9
/// `TaskResources` of older servers.
#[component]
pub fn Resources(alloc: Current) -> impl IntoView {
    move || {
        let a = alloc.get()?;
        let resources = allocated(&a);
        let ports: Vec<(String, i64, i64, String)> = resources
            .shared
            .ports
            .iter()
            .map(|p| (p.label.clone(), p.value, p.to, p.host_ip.clone()))
            .chain(
                resources
                    .shared
                    .networks
                    .iter()
                    .chain(resources.tasks.values().flat_map(|t| t.networks.iter()))
                    .flat_map(|n| {
                        n.reserved_ports
                            .iter()
                            .chain(n.dynamic_ports.iter())
                            .map(move |p| (p.label.clone(), p.value, p.to, n.ip.clone()))
                    }),
            )
            .collect();
        Some(view! {
            <section class="panel" data-testid="alloc-resources">
                <h2>"Allocated resources"</h2>
                <table class="table">
                    <thead>
                        <tr>
                            <th>"Task"</th>
                            <th>"CPU"</th>
                            <th>"Memory"</th>
                            <th>"Memory max"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {resources
                            .tasks
                            .iter()
                            .map(|(name, t)| {
                                view! {
                                    <tr data-testid="resource-row">
                                        <td>{name.clone()}</td>
                                        <td>{t.cpu.cpu_shares}" MHz"</td>
                                        <td>{t.memory.memory_mb}" MiB"</td>
                                        <td>
                                            {if t.memory.memory_max_mb > 0 {
                                                format!("{} MiB", t.memory.memory_max_mb)
                                            } else {
                                                "–".into()
                                            }}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                <p>"Shared disk: "{resources.shared.disk_mb}" MiB"</p>
                <h3>"Ports"</h3>
                {if ports.is_empty() {
                    view! { <p class="muted">"No ports."</p> }.into_any()
                } else {
                    view! {
                        <table class="table" data-testid="alloc-ports">
                            <thead>
                                <tr>
                                    <th>"Label"</th>
                                    <th>"Host port"</th>
                                    <th>"Mapped to"</th>
                                    <th>"Address"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {ports
                                    .into_iter()
                                    .map(|(label, value, to, ip)| {
                                        view! {
                                            <tr>
                                                <td>{label}</td>
                                                <td>{value}</td>
                                                <td>{if to > 0 { to.to_string() } else { "–".into() }}</td>
                                                <td>{ip}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                        .into_any()
                }}
            </section>
        })
    }
}

/// `AllocatedResources`, filled from the legacy fields when a server sends only those.
pub fn allocated(a: &Allocation) -> AllocatedResources {
    if let Some(r) = &a.allocated_resources {
        return AllocatedResources::clone(r);
    }
    let mut r = AllocatedResources::default();
    for (name, t) in a.task_resources.iter() {
        let task = r.tasks.entry(name.clone()).or_default();
        task.cpu.cpu_shares = t.cpu;
        task.memory.memory_mb = t.memory_mb;
        task.memory.memory_max_mb = t.memory_max_mb.unwrap_or_default();
        task.networks = t.networks.clone();
    }
    r.shared.disk_mb = a.shared_resources.as_ref().map_or(0, |s| s.disk_mb);
    r
}

#[component]
pub fn Reschedule(alloc: Current, #[prop(into)] scope: Signal<Scope>) -> impl IntoView {
    move || {
        let a = alloc.get()?;
        let s = scope.get();
        let link = |id: &str| {
            let href = scoped_href(&s, &Page::Allocation(id).path());
            let text = short_id(id).to_string();
            view! { <A href=href>{text}</A> }
        };
        let events = a.reschedule_tracker.as_ref().map(|t| t.events.clone()).unwrap_or_default();
        if a.previous_allocation.is_empty() && a.next_allocation.is_empty() && events.is_empty() {
            return None;
        }
        Some(view! {
            <section class="panel" data-testid="alloc-reschedule">
                <h2>"Rescheduling"</h2>
                <dl class="kv">
                    {(!a.previous_allocation.is_empty())
                        .then(|| {
                            view! {
                                <dt>"Previous allocation"</dt>
                                <dd data-testid="alloc-previous">{link(&a.previous_allocation)}</dd>
                            }
                        })}
                    {(!a.next_allocation.is_empty())
                        .then(|| {
                            view! {
                                <dt>"Next allocation"</dt>
                                <dd data-testid="alloc-next">{link(&a.next_allocation)}</dd>
                            }
                        })}
                </dl>
                {(!events.is_empty())
                    .then(|| {
                        view! {
                            <table class="table">
                                <thead>
                                    <tr>
                                        <th>"When"</th>
                                        <th>"From allocation"</th>
                                        <th>"From node"</th>
                                        <th>"Delay"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {events
                                        .iter()
                                        .map(|e| {
                                            view! {
                                                <tr>
                                                    <td>
                                                        <RelativeTime ms=e.reschedule_time.as_unix_millis() />
                                                    </td>
                                                    <td>{link(&e.prev_alloc_id)}</td>
                                                    <td class="mono">{short_id(&e.prev_node_id).to_string()}</td>
                                                    <td>{duration(e.delay.0)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                    })}
            </section>
        })
    }
}

#[component]
pub fn Metrics(alloc: Current) -> impl IntoView {
    move || {
        let a = alloc.get()?;
        let m = a.metrics.clone()?;
        let counts = |map: &std::collections::BTreeMap<String, u64>| {
            map.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ")
        };
        Some(view! {
            <section class="panel" data-testid="alloc-metrics">
                <h2>"Placement"</h2>
                <dl class="kv">
                    <dt>"Nodes evaluated"</dt>
                    <dd>{m.nodes_evaluated}</dd>
                    <dt>"Nodes filtered"</dt>
                    <dd>{m.nodes_filtered}</dd>
                    <dt>"Nodes exhausted"</dt>
                    <dd>{m.nodes_exhausted}</dd>
                    {(!m.nodes_available.is_empty())
                        .then(|| {
                            view! {
                                <dt>"Available per datacenter"</dt>
                                <dd>{counts(&m.nodes_available)}</dd>
                            }
                        })}
                    {(!m.constraint_filtered.is_empty())
                        .then(|| {
                            view! {
                                <dt>"Filtered by constraint"</dt>
                                <dd>{counts(&m.constraint_filtered)}</dd>
                            }
                        })}
                    {(!m.dimension_exhausted.is_empty())
                        .then(|| {
                            view! {
                                <dt>"Exhausted dimension"</dt>
                                <dd>{counts(&m.dimension_exhausted)}</dd>
                            }
                        })}
                    <dt>"Placement took"</dt>
                    <dd>{duration(m.allocation_time.0)}</dd>
                    {(m.coalesced_failures > 0)
                        .then(|| {
                            view! {
                                <dt>"Coalesced failures"</dt>
                                <dd>{m.coalesced_failures}</dd>
                            }
                        })}
                </dl>
                {(!m.score_meta_data.is_empty())
                    .then(|| {
                        view! {
                            <table class="table">
                                <thead>
                                    <tr>
                                        <th>"Node"</th>
                                        <th>"Scores"</th>
                                        <th>"Final"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {m
                                        .score_meta_data
                                        .iter()
                                        .map(|s| {
                                            view! {
                                                <tr>
                                                    <td class="mono">{short_id(&s.node_id).to_string()}</td>
                                                    <td>
                                                        {s
                                                            .scores
                                                            .iter()
                                                            .map(|(k, v)| format!("{k} {v:.3}"))
                                                            .collect::<Vec<_>>()
                                                            .join(", ")}
                                                    </td>
                                                    <td>{format!("{:.3}", s.norm_score)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                    })}
            </section>
        })
    }
}
