//! A modal question before an action; extra controls (task, signal) go inside.

use leptos::prelude::*;

#[component]
pub fn ConfirmDialog(
    open: RwSignal<bool>,
    testid: &'static str,
    #[prop(into)] title: String,
    #[prop(into)] question: Signal<String>,
    confirm_label: &'static str,
    on_confirm: Callback<()>,
    #[prop(optional)] danger: bool,
    children: Children,
) -> impl IntoView {
    let close = move |_| open.set(false);
    view! {
        <div class="modal-backdrop" hidden=move || !open.get() on:click=close></div>
        <div
            class="modal"
            role="dialog"
            aria-modal="true"
            hidden=move || !open.get()
            data-testid=format!("{testid}-dialog")
        >
            <h3>{title}</h3>
            <p>{question}</p>
            {children()}
            <div class="modal-buttons">
                <button type="button" data-testid=format!("{testid}-cancel") on:click=close>
                    "Cancel"
                </button>
                <button
                    type="button"
                    class=if danger { "primary danger" } else { "primary" }
                    data-testid=format!("{testid}-confirm")
                    on:click=move |_| {
                        open.set(false);
                        on_confirm.run(());
                    }
                >
                    {confirm_label}
                </button>
            </div>
        </div>
    }
}
