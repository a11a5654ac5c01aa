//! The lines on screen: a virtual list that draws only what intersects the viewport, follows
//! the end while the reader is there, and keeps the reader's line in place otherwise (while
//! output arrives, old lines are dropped at the cap, or earlier output is put before).
//!
//! Text goes into the page as text nodes only: a log cannot inject markup.

use super::session::Session;
use crate::components::resize::on_resize;
use leptos::html::Div;
use leptos::prelude::*;
use log_view::layout::Layout;
use log_view::merge::task_color;
use log_view::render::segments;
use log_view::store::Line;
use log_view::viewer::{Item, Items, Viewer};
use std::sync::Arc;

/// Must match `--log-row` in style/logs.css.
pub const ROW_HEIGHT: f64 = 18.0;
const OVERSCAN: usize = 30;
/// Left and right padding of a line, in pixels (style/logs.css `.log-row`).
const ROW_PADDING: f64 = 16.0;

/// The line at the top of the viewport while the reader is away from the end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    /// A line number (the store's end stands for the open lines after it).
    pub number: i64,
    /// Pixels from the top of that line's first row to the top of the viewport.
    pub offset: f64,
}

/// Where the reader is: following the end, or at an anchored line.
#[derive(Clone, Copy)]
pub struct Position {
    pub following: RwSignal<bool>,
    pub anchor: RwSignal<Option<Anchor>>,
}

impl Position {
    pub fn new() -> Self {
        Position { following: RwSignal::new(true), anchor: RwSignal::new(None) }
    }

    pub fn follow(&self) {
        self.anchor.set(None);
        self.following.set(true);
    }

    pub fn pause(&self) {
        self.following.set(false);
    }

    /// Shows line `number` in the middle of a viewport `viewport` pixels high.
    pub fn show(&self, number: i64, viewport: f64) {
        self.following.set(false);
        self.anchor.set(Some(Anchor { number, offset: -(viewport / 2.0 - ROW_HEIGHT).max(0.0) }));
    }
}

/// The rows and how they are laid out, recomputed when the output or the layout changes.
struct Frame {
    items: Items,
    layout: Layout,
    end: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum RowKey {
    /// A retained line with its highlighted ranges and height (both change its drawing).
    Line {
        epoch: u64,
        number: i64,
        hits: Vec<(usize, usize, bool)>,
        rows: u64,
    },
    Separator {
        before: usize,
    },
    /// An open line changes with every chunk.
    Open {
        source: u16,
        version: u64,
        rows: u64,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Piece {
    text: String,
    class: String,
    style: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Row {
    key: RowKey,
    number: Option<i64>,
    source: u16,
    prefix: Option<(String, String)>,
    pieces: Vec<Piece>,
    marker: Option<&'static str>,
    continued: bool,
    current: bool,
    open: bool,
    height: f64,
}

#[derive(Debug, Clone, PartialEq)]
struct Window {
    total: f64,
    /// The scroll position to show.
    top: f64,
    /// Where the first drawn row goes.
    offset: f64,
    rows: Vec<Row>,
}

#[component]
pub fn Lines(
    session: Session,
    position: Position,
    #[prop(into)] wrap: Signal<bool>,
    viewport_height: RwSignal<f64>,
) -> impl IntoView {
    let viewport = NodeRef::<Div>::new();
    let spacer = NodeRef::<Div>::new();
    let probe = NodeRef::<leptos::html::Span>::new();
    let scroll_top = RwSignal::new(0.0f64);
    // Columns that fit a line when wrapping.
    let columns = RwSignal::new(120u32);
    // The scroll position this view set last: its scroll event is not the reader's.
    let set_by_view = StoredValue::new(f64::NAN);

    let measure = move || {
        let (Some(el), Some(probe)) = (viewport.get_untracked(), probe.get_untracked()) else { return };
        viewport_height.set(el.client_height() as f64);
        let ch = probe.get_bounding_client_rect().width() / 10.0;
        if ch > 0.0 {
            columns.set((((el.client_width() as f64 - ROW_PADDING) / ch).floor() as u32).max(1));
        }
    };
    on_resize(viewport, measure);

    let frame = Memo::new_with_compare(
        move |_| {
            session.version.track();
            let cols = wrap.get().then(|| columns.get());
            Arc::new(session.with(|v| {
                let items = v.items();
                let layout = Layout::new((0..items.len()).map(|i| items.get(i).map_or(0, |it| v.width(it))), cols);
                Frame { items, layout, end: v.store().end() }
            }))
        },
        |_, _| true,
    );

    let window = Memo::new(move |_| {
        let version = session.version.get();
        let height = viewport_height.get();
        let following = position.following.get();
        let anchor = position.anchor.get();
        let scrolled = scroll_top.get();
        frame.with(|f| {
            let total = f.layout.total_rows() as f64 * ROW_HEIGHT;
            let max = (total - height).max(0.0);
            let top = match anchor {
                _ if following => max,
                Some(a) => f.layout.row_of(f.items.position_of(a.number)) as f64 * ROW_HEIGHT + a.offset,
                None => scrolled,
            }
            .clamp(0.0, max);
            let range = f.layout.visible(top, height, ROW_HEIGHT, OVERSCAN);
            let offset = f.layout.row_of(range.start) as f64 * ROW_HEIGHT;
            let rows =
                session.with(|v| range.clone().filter_map(|i| row(v, &f.items, &f.layout, i, version)).collect());
            Window { total, top, offset, rows }
        })
    });

    // Sizes the list and scrolls to where the window says, before the reader sees it.
    Effect::new(move |_| {
        let w = window.get();
        let (Some(el), Some(spacer)) = (viewport.get(), spacer.get()) else { return };
        let _ = spacer.set_attribute("style", &format!("height: {}px", w.total));
        if (el.scroll_top() as f64 - w.top).abs() >= 1.0 {
            el.set_scroll_top(w.top.round() as i32);
        }
        set_by_view.set_value(el.scroll_top() as f64);
    });

    // The reader scrolled: away from the end pauses following, back to the end resumes it.
    let on_scroll = move |_| {
        let Some(el) = viewport.get_untracked() else { return };
        let top = el.scroll_top() as f64;
        viewport_height.set(el.client_height() as f64);
        if (top - set_by_view.get_value()).abs() < 1.0 {
            scroll_top.set(top);
            return;
        }
        let max = (el.scroll_height() - el.client_height()) as f64;
        if top >= max - ROW_HEIGHT / 2.0 {
            position.follow();
        } else {
            position.following.set(false);
            position.anchor.set(Some(frame.with_untracked(|f| anchor_at(f, top))));
        }
        scroll_top.set(top);
    };
    // Wheel and keys act before the scroll lands, so output arriving meanwhile cannot pull
    // the reader back to the end.
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        if ev.delta_y() < 0.0 {
            pause_here(position, viewport, frame);
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if matches!(ev.key().as_str(), "ArrowUp" | "PageUp" | "Home") {
            pause_here(position, viewport, frame);
        }
    };

    view! {
        <div
            class="log-viewport"
            class:log-wrap=wrap
            node_ref=viewport
            tabindex="0"
            data-testid="log-viewport"
            on:scroll=on_scroll
            on:wheel=on_wheel
            on:keydown=on_key
            on:pointerdown=move |_| pause_here(position, viewport, frame)
        >
            <span class="log-probe" node_ref=probe aria-hidden="true">
                "0000000000"
            </span>
            <div class="log-spacer" node_ref=spacer>
                <div class="log-window" style=move || format!("transform: translateY({}px)", window.with(|w| w.offset))>
                    <For each=move || window.with(|w| w.rows.clone()) key=|r| r.key.clone() let:r>
                        <RowView row=r />
                    </For>
                </div>
            </div>
        </div>
    }
}

/// Pauses with the line now at the top kept there.
fn pause_here(position: Position, viewport: NodeRef<Div>, frame: Memo<Arc<Frame>>) {
    if !position.following.get_untracked() {
        return;
    }
    let top = viewport.get_untracked().map_or(0.0, |el| el.scroll_top() as f64);
    position.anchor.set(Some(frame.with_untracked(|f| anchor_at(f, top))));
    position.following.set(false);
}

fn anchor_at(f: &Frame, top: f64) -> Anchor {
    let i = f.layout.line_at((top.max(0.0) / ROW_HEIGHT) as u64);
    // A separator stands for the line after it.
    let number = (i..f.items.len())
        .find_map(|j| match f.items.get(j) {
            Some(Item::Line(n)) => Some(n),
            Some(Item::Open(_)) => Some(f.end),
            _ => None,
        })
        .unwrap_or(f.end);
    let first = f.layout.row_of(f.items.position_of(number)) as f64 * ROW_HEIGHT;
    Anchor { number, offset: top - first }
}

fn pieces(v: &Viewer, item: Item, line: &Line) -> Vec<Piece> {
    let hits = v.hits(item);
    segments(&line.text, &line.spans, &hits)
        .into_iter()
        .map(|s| {
            let (mut class, style) = s.style.css();
            match s.hit {
                Some(true) => class.push_str(" log-hit log-hit-current"),
                Some(false) => class.push_str(" log-hit"),
                None => {}
            }
            Piece { text: line.text.get(s.range).unwrap_or_default().to_string(), class, style }
        })
        .collect()
}

fn row(v: &Viewer, items: &Items, layout: &Layout, i: usize, version: u64) -> Option<Row> {
    let item = items.get(i)?;
    let rows = layout.rows_of(i);
    let height = rows as f64 * ROW_HEIGHT;
    let prefix = |source: u16| v.prefixes().map(|p| (p.label(source).to_string(), task_color(source).hex()));
    let blank = Row {
        key: RowKey::Separator { before: i },
        number: None,
        source: 0,
        prefix: None,
        pieces: Vec::new(),
        marker: None,
        continued: false,
        current: false,
        open: false,
        height,
    };
    Some(match item {
        Item::Separator => blank,
        Item::Line(number) => {
            let line = v.store().get(number)?;
            let hits: Vec<(usize, usize, bool)> = v.hits(item).into_iter().map(|(r, c)| (r.start, r.end, c)).collect();
            let current = hits.iter().any(|h| h.2);
            let key = RowKey::Line { epoch: v.store().epoch(), number, hits, rows };
            Row {
                key,
                number: Some(number),
                source: line.source,
                prefix: prefix(line.source),
                pieces: pieces(v, item, line),
                marker: line.marker.map(|m| m.name()),
                continued: line.continued,
                current,
                ..blank
            }
        }
        Item::Open(source) => {
            let open = v.open_line(source)?;
            let line = Line::styled(open, source);
            Row {
                key: RowKey::Open { source, version, rows },
                source,
                prefix: prefix(source),
                pieces: pieces(v, item, &line),
                open: true,
                ..blank
            }
        }
    })
}

#[component]
fn RowView(row: Row) -> impl IntoView {
    let kind = match (&row.key, row.marker) {
        (RowKey::Separator { .. }, _) => "log-separator",
        (_, Some(_)) => "log-marker",
        _ => "log-line",
    };
    let class = format!(
        "log-row {kind}{}{}{}",
        if row.continued { " log-continued" } else { "" },
        if row.current { " log-current" } else { "" },
        if row.open { " log-open" } else { "" }
    );
    view! {
        <div
            class=class
            data-testid=kind
            data-line=row.number.map(|n| n.to_string())
            data-marker=row.marker
            data-source=row.source.to_string()
            style=format!("height: {}px", row.height)
        >
            {row
                .prefix
                .map(|(label, color)| {
                    view! {
                        <span class="log-prefix" style=format!("color: {color}")>
                            {label}
                        </span>
                    }
                })}
            {(kind == "log-separator").then_some("⋯")}
            {row
                .pieces
                .into_iter()
                .map(|p| {
                    view! {
                        <span class=p.class style=(!p.style.is_empty()).then_some(p.style)>
                            {p.text}
                        </span>
                    }
                })
                .collect_view()}
        </div>
    }
}
