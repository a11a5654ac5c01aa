//! A live line chart in inline SVG: rolling window, gaps where polls failed, and a dashed
//! line for what was allocated.

use crate::model::series::{nice_ceiling, Series};
use leptos::prelude::*;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 120.0;

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: &'static str,
    /// CSS class giving the stroke colour.
    pub class: &'static str,
    pub series: Series,
}

#[component]
pub fn Chart(
    title: String,
    testid: String,
    #[prop(into)] lines: Signal<Vec<Line>>,
    /// Allocated (or total) amount, drawn dashed; the axis always includes it.
    #[prop(into)]
    limit: Signal<Option<f64>>,
    /// Time of the newest sample: the right edge.
    #[prop(into)]
    now: Signal<f64>,
    format: fn(f64) -> String,
) -> impl IntoView {
    let top = Memo::new(move |_| {
        let data_max = lines.with(|ls| ls.iter().map(|l| l.series.max()).fold(0.0, f64::max));
        nice_ceiling(data_max.max(limit.get().unwrap_or(0.0)))
    });
    let samples = move || lines.with(|ls| ls.first().map_or(0, |l| l.series.samples()));
    let gaps = move || lines.with(|ls| ls.first().map_or(0, |l| l.series.gaps()));
    // The highest value the first line drew: what a person sees as the chart's peak, and how a
    // test tells a chart of real readings from one stuck at zero.
    let peak = move || lines.with(|ls| ls.first().map_or(0.0, |l| l.series.max()));
    view! {
        <figure class="chart" data-testid=testid data-samples=samples data-gaps=gaps data-peak=peak>
            <figcaption>
                <strong>{title}</strong>
                {move || {
                    lines
                        .get()
                        .into_iter()
                        .map(|l| {
                            let value = l.series.last().map_or_else(|| "–".to_string(), format);
                            view! { <span class=format!("legend {}", l.class)>{l.label}": "{value}</span> }
                        })
                        .collect_view()
                }}
                {move || limit.get().map(|l| view! { <span class="legend limit">"allocated: "{format(l)}</span> })}
            </figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" role="img">
                <line class="grid" x1="0" x2=WIDTH y1=HEIGHT / 2.0 y2=HEIGHT / 2.0 />
                {move || {
                    limit
                        .get()
                        .map(|l| {
                            let y = HEIGHT - l / top.get() * HEIGHT;
                            view! { <line class="limit" x1="0" x2=WIDTH y1=y y2=y /> }
                        })
                }}
                {move || {
                    let (now, top) = (now.get(), top.get());
                    lines
                        .get()
                        .into_iter()
                        .map(|l| view! { <path class=l.class d=l.series.path(now, WIDTH, HEIGHT, top) /> })
                        .collect_view()
                }}
            </svg>
            <div class="chart-axis muted">
                <span>{move || format(top.get())}</span>
                <span>"5 min"</span>
            </div>
        </figure>
    }
}

/// Feeds every poll of a live view into `history`: a good answer as a sample, a failed one as
/// a gap.
pub fn record_polls<T, H>(live: crate::api::live::Live<T>, record: fn(&mut H, f64, Option<&T>)) -> ReadSignal<H>
where
    T: Send + Sync + 'static,
    H: Default + Send + Sync + 'static,
{
    let history = RwSignal::new(H::default());
    Effect::new(move |seen: Option<u64>| {
        let (attempts, failed) = live.state.with(|s| (s.attempts, s.error.is_some()));
        if seen.is_some_and(|n| n < attempts) || (seen.is_none() && attempts > 0) {
            let now = js_sys::Date::now();
            let data = if failed { None } else { live.data.get_untracked() };
            history.update(|h| record(h, now, data.as_deref()));
        }
        attempts
    });
    history.read_only()
}
