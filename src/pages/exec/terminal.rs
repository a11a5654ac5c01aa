//! xterm.js through xterm-js-rs, loaded on first use, fitted to its pane.
//!
//! xterm-js-rs imports the bare modules `xterm` and `xterm-addon-fit`; index.html's import map
//! points both at `terminal-loader.js`, whose `Terminal` and `FitAddon` exports stay empty until
//! `load()` has imported xterm 6, its fit add-on and its CSS (ES module exports are live
//! bindings). So the dashboard's first load fetches none of xterm: only a console does.

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlElement, KeyboardEvent, ResizeObserver};
use xterm_js_rs::addons::fit::FitAddon;
use xterm_js_rs::{Disposable, Terminal, TerminalOptions};

#[wasm_bindgen(module = "xterm")]
extern "C" {
    /// terminal-loader.js: imports xterm, the fit add-on and xterm's CSS, once.
    #[wasm_bindgen(js_name = loadXterm)]
    fn load_xterm() -> Promise;
}

#[wasm_bindgen]
extern "C" {
    /// A `Terminal` as xterm 5+ takes bytes: `write(Uint8Array, callback)` decodes UTF-8 across
    /// writes and calls back once processed (xterm-js-rs binds strings and xterm 4's `writeUtf8`).
    type ByteWriter;
    #[wasm_bindgen(method)]
    fn write(this: &ByteWriter, data: &Uint8Array, callback: &Function);
}

/// Imports xterm (at once when already loaded).
pub async fn load() -> Result<(), String> {
    JsFuture::from(load_xterm()).await.map(|_| ()).map_err(|e| {
        let message =
            e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{e:?}"));
        format!("The terminal could not be loaded: {message}")
    })
}

type Handlers = (
    Closure<dyn FnMut(String)>,
    Closure<dyn FnMut(JsValue)>,
    Closure<dyn FnMut(KeyboardEvent) -> bool>,
    Closure<dyn FnMut()>,
);

/// A terminal open in a pane. Dropping it disposes of it.
pub struct Term {
    term: Terminal,
    observer: Option<ResizeObserver>,
    subscriptions: Vec<Disposable>,
    _handlers: Handlers,
}

impl Term {
    /// Opens a terminal filling `pane`: `on_data` gets what is typed or pasted, `on_resize`
    /// the size (columns, rows) whenever it changes.
    pub fn open(
        pane: &HtmlElement,
        on_data: impl FnMut(String) + 'static,
        mut on_resize: impl FnMut(u16, u16) + 'static,
    ) -> Term {
        let options = TerminalOptions::new();
        // Nothing blinks. When a key is pressed while a frame is pending, Chrome defers the
        // page's other tasks until that frame is done (DeferRendererTasksAfterInput), the
        // echo's WebSocket message among them, which then reaches the screen a frame late.
        // xterm's DOM renderer blinks its cursor with a CSS animation the compositor cannot run
        // (a frame every 16 ms while the terminal has focus), so the cursor is steady, as in
        // Nomad's own console; and the caret of xterm's hidden textarea would ask for a frame
        // every 500 ms (`steady_caret`).
        options.set_cursor_blink(false);
        options.set_font_family("ui-monospace, SFMono-Regular, Menlo, Consolas, monospace");
        options.set_font_size(14);
        options.set_scrollback(5000);
        let term = Terminal::new(&options);
        let fit = FitAddon::new();
        term.load_addon(fit.clone().unchecked_into());
        term.open(pane.clone());
        steady_caret(&term);

        let on_data = Closure::<dyn FnMut(String)>::new(on_data);
        let on_resize = Closure::<dyn FnMut(JsValue)>::new(move |size: JsValue| {
            let get = |k: &str| Reflect::get(&size, &k.into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as u16;
            on_resize(get("cols"), get("rows"));
        });
        let key_term: Terminal = term.clone().unchecked_into();
        let keys = Closure::<dyn FnMut(KeyboardEvent) -> bool>::new(move |e: KeyboardEvent| {
            !browser_copy_paste(&e, key_term.has_selection())
        });
        let subscriptions =
            vec![term.on_data(on_data.as_ref().unchecked_ref()), term.on_resize(on_resize.as_ref().unchecked_ref())];
        term.attach_custom_key_event_handler(keys.as_ref().unchecked_ref());

        // Whatever resizes the pane (the window, the layout) refits the terminal; a changed
        // size then comes out of `on_resize`.
        let refit = Closure::<dyn FnMut()>::new(move || fit.fit());
        let observer = ResizeObserver::new(refit.as_ref().unchecked_ref()).ok();
        if let Some(o) = &observer {
            o.observe(pane);
        }
        Term { term, observer, subscriptions, _handlers: (on_data, on_resize, keys, refit) }
    }

    /// Writes bytes; `done` is called once xterm has processed them.
    pub fn write(&self, bytes: &[u8], done: &Function) {
        // A copy: xterm keeps the array until it has parsed it, and wasm memory may move.
        self.term.unchecked_ref::<ByteWriter>().write(&Uint8Array::from(bytes), done);
    }

    /// Columns and rows.
    pub fn size(&self) -> (u16, u16) {
        (self.term.get_cols() as u16, self.term.get_rows() as u16)
    }

    pub fn focus(&self) {
        self.term.focus();
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if let Some(o) = &self.observer {
            o.disconnect();
        }
        for s in &self.subscriptions {
            s.dispose();
        }
        self.term.dispose();
    }
}

/// `caret-animation: manual` on xterm's hidden textarea, whose caret nobody sees: it stops
/// blinking (browsers without the property ignore it).
fn steady_caret(term: &Terminal) {
    let style = Reflect::get(term, &"textarea".into()).and_then(|t| Reflect::get(&t, &"style".into()));
    if let Some(style) = style.ok().filter(JsValue::is_object) {
        let _ = Reflect::set(&style, &"caretAnimation".into(), &"manual".into());
    }
}

/// Keys the browser should handle as copy or paste instead of xterm sending them to the
/// command: Ctrl/Cmd+C with a selection (xterm's copy listener puts it on the clipboard; without
/// one Ctrl+C stays an interrupt), Ctrl+Shift+C, and Ctrl/Cmd(+Shift)+V (the paste event reaches
/// xterm, which sends the text as input, bracketed when the program asked for it).
fn browser_copy_paste(e: &KeyboardEvent, has_selection: bool) -> bool {
    if !(e.ctrl_key() || e.meta_key()) || e.alt_key() {
        return false;
    }
    match e.key().to_ascii_lowercase().as_str() {
        "c" => has_selection || e.shift_key(),
        "v" => true,
        _ => false,
    }
}
