//! `/jobs`: the jobs, live (a snapshot, then the event stream's changes; blocking queries
//! where the stream cannot be had), each linking to its allocations.

use crate::api::endpoints;
use crate::api::feed::{live_feed, FeedSpec};
use crate::api::live::LiveOptions;
use crate::components::filter_box::{use_filter_expression, FilterBox};
use crate::components::live_view::LiveView;
use crate::components::status::StatusBadge;
use crate::components::time::RelativeTime;
use crate::model::job_feed::JobFeed;
use crate::model::route::Page;
use crate::model::url::with_query;
use crate::session::scope::{scoped_href, use_scope};
use leptos::prelude::*;
use leptos_router::components::A;
use nomad_api::TaskGroupSummary;

#[component]
pub fn JobsPage() -> impl IntoView {
    let scope = use_scope();
    let expression = use_filter_expression();
    let jobs = live_feed::<JobFeed>(
        move || {
            let scope = scope.get();
            Some(FeedSpec::jobs(&scope, endpoints::jobs(&scope, expression.get().as_deref())))
        },
        LiveOptions::FOREGROUND,
    );
    view! {
        <div class="page-header">
            <h1>"Jobs"</h1>
        </div>
        <FilterBox read=endpoints::jobs placeholder=r#"Type == "batch" and Status != "dead""# />
        <LiveView
            live=jobs
            children=move |jobs| {
                let s = scope.get_untracked();
                let rows = jobs
                    .iter()
                    .map(|j| {
                        let mut scope = s.clone();
                        scope.namespace = Some(j.namespace.clone()).filter(|n| !n.is_empty()).or(scope.namespace);
                        let href = with_query(&scoped_href(&scope, &Page::Allocations.path()), &[("job", &j.id)]);
                        let total = j
                            .job_summary
                            .as_ref()
                            .map(|s| s.summary.values().fold(TaskGroupSummary::default(), add))
                            .unwrap_or_default();
                        let name = j.name.clone();
                        view! {
                            <tr data-testid="job-row" data-id=j.id.clone()>
                                <td>
                                    <A href=href>{name}</A>
                                </td>
                                <td>{j.namespace.clone()}</td>
                                <td>{j.kind.clone()}</td>
                                <td>
                                    <StatusBadge status=j.status.clone() />
                                </td>
                                <td class="num">{j.priority}</td>
                                <td class="summary">
                                    <span class="badge badge-running" title="running">
                                        {total.running}
                                    </span>
                                    <span class="badge badge-pending" title="starting and queued">
                                        {total.starting + total.queued}
                                    </span>
                                    <span class="badge badge-complete" title="complete">
                                        {total.complete}
                                    </span>
                                    <span class="badge badge-failed" title="failed and lost">
                                        {total.failed + total.lost}
                                    </span>
                                </td>
                                <td>
                                    <RelativeTime ms=j.submit_time.as_unix_millis() />
                                </td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <table class="table" data-testid="job-list">
                        <thead>
                            <tr>
                                <th>"Job"</th>
                                <th>"Namespace"</th>
                                <th>"Type"</th>
                                <th>"Status"</th>
                                <th>"Priority"</th>
                                <th>"Allocations"</th>
                                <th>"Submitted"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
            }
        />
    }
}

fn add(a: TaskGroupSummary, b: &TaskGroupSummary) -> TaskGroupSummary {
    TaskGroupSummary {
        queued: a.queued + b.queued,
        complete: a.complete + b.complete,
        failed: a.failed + b.failed,
        running: a.running + b.running,
        starting: a.starting + b.starting,
        lost: a.lost + b.lost,
        unknown: a.unknown + b.unknown,
    }
}
