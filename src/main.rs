//! The wasm entry point trunk builds; natively there is nothing to run (`cargo test -p caravan
//! --lib` tests the pure logic).

fn main() {
    #[cfg(target_arch = "wasm32")]
    caravan::start();
}
