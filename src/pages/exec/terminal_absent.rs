//! The terminal of a build without xterm (`--no-default-features`, the browser component
//! tests): xterm-js-rs imports the bare modules `xterm` and `xterm-addon-fit`, which only
//! index.html's import map resolves, so a page without that map (wasm-bindgen-test's) could
//! not even load the wasm. Here the terminal never loads, and the console says so; everything
//! else about the console (its socket, its states) is the same code.

use js_sys::Function;
use web_sys::HtmlElement;

/// Always refused: there is no xterm in this build.
pub async fn load() -> Result<(), String> {
    Err("The terminal could not be loaded: this build has no terminal (built without the `terminal` feature)".into())
}

/// Never opened (`load` refuses), but the console's code is the same as with xterm.
pub struct Term;

impl Term {
    pub fn open(
        _pane: &HtmlElement,
        _on_data: impl FnMut(String) + 'static,
        _on_resize: impl FnMut(u16, u16) + 'static,
    ) -> Term {
        Term
    }

    pub fn write(&self, _bytes: &[u8], _done: &Function) {}

    pub fn size(&self) -> (u16, u16) {
        (80, 24)
    }

    pub fn focus(&self) {}
}
