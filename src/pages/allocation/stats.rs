//! Live CPU and memory of the allocation and of each task, against what was allocated,
//! polled every 2 s while the tab is visible and the allocation runs.

use super::resources::allocated;
use super::Current;
use crate::api::endpoints::{self, Scope};
use crate::api::live::{live, LiveOptions};
use crate::components::chart::{record_polls, Chart, Line};
use crate::components::live_status::LiveStatus;
use crate::model::format::bytes;
use crate::model::usage::{AllocUsage, UsageSeries};
use leptos::prelude::*;
use nomad_api::{client_status, AllocResourceUsage};
use std::time::Duration;

const MIB: f64 = 1024.0 * 1024.0;

fn mhz(v: f64) -> String {
    format!("{v:.0} MHz")
}

fn mem(v: f64) -> String {
    bytes(v.max(0.0) as u64)
}

#[component]
pub fn Stats(alloc: Current, #[prop(into)] scope: Signal<Scope>) -> impl IntoView {
    let running =
        Memo::new(move |_| alloc.with(|a| a.as_ref().is_some_and(|a| a.client_status == client_status::RUNNING)));
    let id = Memo::new(move |_| alloc.with(|a| a.as_ref().map(|a| a.id.clone()).unwrap_or_default()));
    let read = move || running.get().then(|| endpoints::allocation_stats(&scope.get(), &id.get()));
    let stats = live::<AllocResourceUsage>(read, LiveOptions::every(Duration::from_secs(2)));
    let history = record_polls(stats, AllocUsage::record);
    // Allocated CPU (MHz) and memory (bytes), per task and in total.
    let limits = Memo::new(move |_| {
        alloc.with(|a| {
            let r = a.as_ref().map(|a| allocated(a)).unwrap_or_default();
            let per_task: Vec<(String, f64, f64)> = r
                .tasks
                .iter()
                .map(|(n, t)| (n.clone(), t.cpu.cpu_shares as f64, t.memory.memory_mb as f64 * MIB))
                .collect();
            let total = per_task.iter().fold((0.0, 0.0), |(c, m), (_, tc, tm)| (c + tc, m + tm));
            (total, per_task)
        })
    });
    let task_names = Memo::new(move |_| history.with(|h| h.tasks.keys().cloned().collect::<Vec<_>>()));
    view! {
        <section class="panel" data-testid="alloc-stats">
            <h2>"Resource usage"</h2>
            <Show
                when=move || running.get()
                fallback=|| view! { <p class="muted">"Usage is reported while the allocation runs."</p> }
            >
                <LiveStatus state=stats.state />
                <UsageCharts
                    id="alloc"
                    title="Allocation"
                    series=Signal::derive(move || history.with(|h| h.alloc.clone()))
                    now=Signal::derive(move || history.with(|h| h.now))
                    cpu_limit=Signal::derive(move || Some(limits.with(|l| l.0.0)))
                    mem_limit=Signal::derive(move || Some(limits.with(|l| l.0.1)))
                />
                <For each=move || task_names.get() key=|n| n.clone() let:name>
                    <UsageCharts
                        id=format!("task-{name}")
                        title=format!("Task {name}")
                        series=Signal::derive({
                            let name = name.clone();
                            move || history.with(|h| h.tasks.get(&name).cloned().unwrap_or_default())
                        })
                        now=Signal::derive(move || history.with(|h| h.now))
                        cpu_limit=Signal::derive({
                            let name = name.clone();
                            move || limits.with(|l| l.1.iter().find(|t| t.0 == name).map(|t| t.1))
                        })
                        mem_limit=Signal::derive({
                            let name = name.clone();
                            move || limits.with(|l| l.1.iter().find(|t| t.0 == name).map(|t| t.2))
                        })
                    />
                </For>
            </Show>
        </section>
    }
}

#[component]
fn UsageCharts(
    #[prop(into)] id: String,
    #[prop(into)] title: String,
    series: Signal<UsageSeries>,
    now: Signal<f64>,
    cpu_limit: Signal<Option<f64>>,
    mem_limit: Signal<Option<f64>>,
) -> impl IntoView {
    let cpu =
        Signal::derive(move || series.with(|s| vec![Line { label: "CPU", class: "line-cpu", series: s.cpu.clone() }]));
    let memory = Signal::derive(move || {
        series.with(|s| {
            vec![
                // RSS, or `Usage` where the driver measures no RSS, as Nomad reports memory.
                Line { label: "used", class: "line-rss", series: s.used.clone() },
                Line { label: "cache", class: "line-cache", series: s.cache.clone() },
                Line { label: "swap", class: "line-swap", series: s.swap.clone() },
            ]
        })
    });
    view! {
        <div class="chart-pair">
            <Chart
                title=format!("{title} CPU")
                testid=format!("chart-{id}-cpu")
                lines=cpu
                limit=cpu_limit
                now
                format=mhz
            />
            <Chart
                title=format!("{title} memory")
                testid=format!("chart-{id}-memory")
                lines=memory
                limit=mem_limit
                now
                format=mem
            />
        </div>
    }
}
