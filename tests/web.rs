//! Browser component tests: the dashboard's views mounted in headless Chromium with
//! wasm-bindgen-test, as Leptos's own examples test theirs (`tests/web.rs` of its counter
//! example). The pure logic behind the views is tested natively (`cargo test -p caravan
//! --lib`) and the whole dashboard against a real agent by `e2e/`; these check what only a
//! browser shows: which rows the allocation table puts in the DOM as it scrolls, how the log
//! viewer draws ANSI colours and a character split across two chunks of a followed log, and
//! what the exec console's status line says as a session connects, opens and closes.
//!
//! Run: `scripts/test-components.sh` (wasm-bindgen-test-runner drives Chromium through
//! chromedriver; `.cargo/config.toml` names the runner).
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(target_arch = "wasm32")]

use caravan::api::client::Client;
use caravan::api::exec::Closed;
use caravan::api::exec_socket::SocketEvent;
use caravan::api::live::{Live, LiveState};
use caravan::components::alloc_table::AllocTable;
use caravan::components::log_viewer::{LogViewer, Stream};
use caravan::model::alloc_list::{AllocFilter, AllocationRow};
use caravan::pages::exec::console::{Console, Signals, Status};
use caravan::pages::exec::StatusLine;
use caravan::session::identity::Identity;
use caravan::session::Session;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos_router::components::Router;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Must match `ROW_HEIGHT` in `components/alloc_table.rs` (and `--row-height` in the style).
const ROW_HEIGHT: usize = 34;

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

/// A fresh element on the page for one test's view.
fn container() -> HtmlElement {
    let doc = document();
    let el: HtmlElement = doc.create_element("div").expect("a div").unchecked_into();
    doc.body().expect("a body").append_child(&el).expect("appended");
    el
}

/// The parts of the dashboard's style sheet the views' geometry depends on (the test page has
/// none of `style/`).
fn style(css: &str) {
    let doc = document();
    let el = doc.create_element("style").expect("a style");
    el.set_text_content(Some(css));
    doc.head().expect("a head").append_child(&el).expect("appended");
}

/// Lets the browser run timers, observers and layout for `ms`.
async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ =
            web_sys::window().expect("a window").set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits (up to 5 s, under a loaded machine's timers) until `done` holds; the assertions that
/// follow say what is wrong if it never does.
async fn until(done: impl Fn() -> bool) {
    for _ in 0..250 {
        if done() {
            return;
        }
        pause(20).await;
    }
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).expect("a valid selector");
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<Element>().ok()).collect()
}

fn one(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .expect("a valid selector")
        .unwrap_or_else(|| panic!("no {selector} in {}", root.inner_html()))
}

/// The session and client the views read from context, without a token or an agent.
fn provide_session() {
    let client = Client { address: RwSignal::new("http://agent.test".to_string()), token: RwSignal::new(None) };
    provide_context(client);
    provide_context(Session {
        client,
        session_only: RwSignal::new(false),
        stale: RwSignal::new(false),
        identity: RwSignal::new(Identity::AclDisabled),
    });
}

fn stub(i: usize) -> Arc<AllocationRow> {
    Arc::new(AllocationRow {
        id: format!("{i:08x}-0000-4000-8000-000000000000"),
        name: format!("web.app[{i}]"),
        namespace: "default".into(),
        job_id: "web".into(),
        task_group: "app".into(),
        node_id: "node-1".into(),
        node_name: "node-1".into(),
        client_status: ["running", "pending"][i % 2].into(),
        desired_status: "run".into(),
        create_index: i as u64 + 1,
        modify_index: i as u64 + 1,
        ..AllocationRow::default()
    })
}

#[wasm_bindgen_test]
async fn alloc_table_renders_only_the_rows_in_view() {
    // 10 rows fit the viewport; the table adds 8 above and below (OVERSCAN).
    style(".vviewport { height: 340px; overflow-y: auto; } .vrow { display: flex; height: 34px; overflow: hidden; }");
    let rows: Vec<Arc<AllocationRow>> = (0..1000).map(stub).collect();
    // The order the table shows with no sort chosen in the URL.
    let order: Vec<String> =
        AllocFilter::from_query(|_| Vec::new()).apply(&rows).into_iter().map(|i| rows[i].id.clone()).collect();
    let (data, _) = signal(Some(Arc::new(rows)));
    let (state, _) = signal(LiveState::default());
    let live = Live { data, state };
    let root = container();
    let _mounted = mount_to(root.clone(), move || {
        provide_session();
        view! {
            <Router>
                <AllocTable live />
            </Router>
        }
    });
    let ids = |root: &Element| {
        all(root, "[data-testid=alloc-row]").iter().filter_map(|r| r.get_attribute("data-id")).collect::<Vec<_>>()
    };
    // The viewport's height comes from a ResizeObserver, after layout.
    until(|| ids(&root).len() == 19).await;
    assert_eq!(one(&root, "[data-testid=alloc-count]").text_content().as_deref(), Some("1000 of 1000 allocations"));
    // At the top: rows 0..19 (10 in view, one partly, 8 below), none of the other 981.
    assert_eq!(ids(&root), order[0..19].to_vec());
    let spacer = one(&root, ".vspacer");
    assert_eq!(spacer.get_attribute("style").as_deref(), Some(format!("height: {}px", 1000 * ROW_HEIGHT).as_str()));

    // Scrolled to row 500: rows 492..519, the window moved down to where row 492 is.
    let viewport: HtmlElement = one(&root, "[data-testid=alloc-viewport]").unchecked_into();
    viewport.set_scroll_top((500 * ROW_HEIGHT) as i32);
    viewport.dispatch_event(&web_sys::Event::new("scroll").expect("an event")).expect("dispatched");
    until(|| ids(&root).first() == order.get(492)).await;
    assert_eq!(ids(&root), order[492..519].to_vec());
    assert_eq!(
        one(&root, ".vwindow").get_attribute("style").as_deref(),
        Some(format!("transform: translateY({}px)", 492 * ROW_HEIGHT).as_str())
    );
    // A row shows its allocation: short ID, name, status.
    let first = one(&root, "[data-testid=alloc-row]");
    let text = first.text_content().unwrap_or_default();
    assert!(text.contains(&order[492][..8]) && text.contains("web.app["), "row text: {text}");
    let status = one(&first, "[data-testid=alloc-status]").text_content().unwrap_or_default();
    assert_eq!(Some(status.as_str()), first.get_attribute("data-status").as_deref());
}

/// Answers the log viewer's reads as an agent would: the task's log files, then a followed
/// plain log delivered in `chunks` (each a separate read of the stream), left open.
fn mock_agent(chunks: &[&[u8]]) {
    let chunks = js_sys::Array::from_iter(chunks.iter().map(|c| js_sys::Uint8Array::from(*c)));
    js_sys::Reflect::set(&js_sys::global(), &"__caravanChunks".into(), &chunks).expect("set");
    let mock = js_sys::Function::new_no_args(
        r#"
        const answer = (input) => {
            const url = typeof input === "string" ? input : input.url;
            if (url.includes("/v1/client/fs/ls/")) {
                const files = [{ Name: "web.stdout.0", IsDir: false, Size: 0, FileMode: "-rw-r--r--", ModTime: "2024-05-01T10:00:00Z" }];
                return new Response(JSON.stringify(files), { status: 200, headers: { "Content-Type": "application/json" } });
            }
            if (url.includes("/v1/client/fs/logs/") && url.includes("plain=true")) {
                const chunks = globalThis.__caravanChunks;
                const body = new ReadableStream({ start(c) { for (const chunk of chunks) c.enqueue(chunk); } });
                return new Response(body, { status: 200 });
            }
            return new Response("not answered by the test: " + url, { status: 500 });
        };
        const fetch = (input, init) => Promise.resolve(answer(input));
        globalThis.fetch = fetch;
        Window.prototype.fetch = fetch;
        "#,
    );
    mock.call0(&wasm_bindgen::JsValue::NULL).expect("mocked fetch");
}

#[wasm_bindgen_test]
async fn log_viewer_draws_ansi_colours_and_a_character_split_across_chunks() {
    style(".log-viewport { height: 300px; overflow: auto; } .log-row { white-space: pre; height: 18px; }");
    // "€" is E2 82 AC: its first two bytes end one chunk, the last starts the next.
    let euro = "€".as_bytes();
    let first: Vec<u8> = [b"plain \x1b[31mred\x1b[0m done\nprice: 5 ".as_slice(), &euro[..2]].concat();
    let second: Vec<u8> = [&euro[2..], b" each\n".as_slice()].concat();
    mock_agent(&[&first, &second]);
    let root = container();
    let _mounted = mount_to(root.clone(), move || {
        provide_session();
        let streams = vec![Stream::Log { task: "web".into(), log_type: "stdout".into() }];
        view! {
            <Router>
                <LogViewer alloc="5b3e8f8a-0000-4000-8000-000000000000".to_string() streams plain=true />
            </Router>
        }
    });
    // Both chunks taken in (the second line is open until its newline arrives).
    until(|| {
        all(&root, "[data-testid=log-line]").iter().any(|l| l.text_content().unwrap_or_default().ends_with("each"))
    })
    .await;

    let lines = all(&root, "[data-testid=log-line]");
    let texts: Vec<String> = lines.iter().map(|l| l.text_content().unwrap_or_default()).collect();
    assert_eq!(
        texts,
        ["plain red done", "price: 5 € each"],
        "status: {:?}",
        one(&root, "[data-testid=log-status]").text_content()
    );
    // The escape codes are gone; the coloured text is a span of its own, classed by colour.
    let red = all(&lines[0], "span.ansi-fg-1");
    assert_eq!(red.len(), 1);
    assert_eq!(red[0].text_content().as_deref(), Some("red"));
    assert!(all(&lines[1], "span[class*=ansi]").is_empty());
    assert!(!root.text_content().unwrap_or_default().contains('\u{fffd}'));
    assert_eq!(one(&root, "[data-testid=log-status]").get_attribute("data-state").as_deref(), Some("live"));
}

#[wasm_bindgen_test]
async fn exec_console_status_follows_the_session() {
    let root = container();
    let signals =
        Signals { status: RwSignal::new(Status::Idle), reconnect: RwSignal::new(0), ended: RwSignal::new(None) };
    let status = signals.status;
    let _mounted = mount_to(root.clone(), move || {
        provide_session();
        view! { <StatusLine status /> }
    });
    let line = || one(&root, "[data-testid=exec-status]");
    let state = || line().get_attribute("data-state").unwrap_or_default();
    leptos::task::tick().await;
    assert_eq!(state(), "idle");

    let console = Console::new(signals);
    // A real socket, to an address nothing listens on: the status changes before any event
    // of it can arrive (events come as tasks, the view updates in microtasks).
    Console::connect(&console, "ws://127.0.0.1:65530/v1/client/allocation/x/exec", None, vec!["/bin/sh".into()]);
    leptos::task::tick().await;
    assert_eq!(
        (state(), line().text_content().unwrap_or_default()),
        ("connecting".to_string(), "Connecting…".to_string())
    );

    Console::on_event(&console, SocketEvent::Open);
    leptos::task::tick().await;
    assert_eq!(
        (state(), line().text_content().unwrap_or_default()),
        ("connected".to_string(), "Connected".to_string())
    );

    // Nomad closes with its error as the reason: shown with the code.
    Console::on_event(
        &console,
        SocketEvent::Closed(Closed { code: 1011, reason: "task not running".into(), opened: true }),
    );
    leptos::task::tick().await;
    assert_eq!(state(), "closed");
    assert_eq!(one(&line(), "[data-testid=exec-close-reason]").text_content().as_deref(), Some("task not running"));
    assert_eq!(one(&line(), "[data-testid=exec-close-code]").text_content().as_deref(), Some("1011"));
    assert!(line().text_content().unwrap_or_default().contains("Press Enter in the terminal to reconnect"));
    assert!(signals.ended.get_untracked().is_some());

    // The refused socket's own close, arriving later, does not replace the ending shown.
    pause(200).await;
    assert_eq!(one(&line(), "[data-testid=exec-close-code]").text_content().as_deref(), Some("1011"));
}
