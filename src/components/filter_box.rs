//! The "expression" box of the allocations and jobs lists: a go-bexpr filter expression the
//! agent applies before it answers (`filter`), so that on a cluster of 100,000 allocations
//! the page receives only the rows asked for. The expression lives in the page URL
//! (`filter=`), from which the page builds the list's read; this box only edits that URL.
//!
//! An expression is applied on Enter, not on every keystroke: each one is a new read of the
//! whole list. Before it is applied, the agent is asked for one row with it (`per_page=1`):
//! an expression it refuses (Nomad answers 400 with its own text, `failed to create result
//! paginator: failed to read filter expression: ...`) is shown beside the box with that text,
//! and the URL, hence the list and its rows, stay as they were.

use crate::api::client::use_client;
use crate::api::endpoints::{Read, Scope};
use crate::api::ApiError;
use crate::model::route::{filter_expression, with_filter_expression, FILTER};
use crate::model::url::with_query;
use crate::session::scope::use_scope;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use std::time::Duration;

/// The page's filter expression, from its URL (none when absent or blank). Pages give it to
/// the list's read.
pub fn use_filter_expression() -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| filter_expression(q.get_str(FILTER))))
}

/// Where checking an expression stands.
#[derive(Debug, Clone, PartialEq)]
enum Check {
    Idle,
    Checking,
    /// The agent answered the expression with an error.
    Refused {
        expression: String,
        error: ApiError,
    },
}

#[component]
pub fn FilterBox(
    /// The list's read with an expression (`endpoints::allocations`, `endpoints::jobs`).
    read: fn(&Scope, Option<&str>) -> Read,
    /// An example expression over the listed objects' fields.
    placeholder: &'static str,
) -> impl IntoView {
    let client = use_client();
    let scope = use_scope();
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    let applied = use_filter_expression();
    let draft = RwSignal::new(applied.get_untracked().unwrap_or_default());
    let check = RwSignal::new(Check::Idle);
    // Answers to an expression typed since are dropped.
    let attempt = StoredValue::new(0u64);
    // The expression the agent last accepted here: applying it changes the URL, which need
    // not be checked again.
    let accepted = StoredValue::new(None::<String>);

    // Replaces `filter=` in the page URL, keeping every other parameter (facets repeat).
    let apply = move |expression: &str| {
        let pairs =
            query.with_untracked(|q| with_filter_expression(q.into_iter().map(|(k, v)| (k.as_ref(), v)), expression));
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let href = with_query(&location.pathname.get_untracked(), &pairs);
        navigate(&href, NavigateOptions { resolve: false, replace: true, scroll: false, ..Default::default() });
    };

    // Asks the agent for one row with the expression; applies it only if the agent accepts it.
    let submit = move |text: String| {
        let expression = text.trim().to_string();
        attempt.update_value(|n| *n += 1);
        let this = attempt.get_value();
        if expression.is_empty() {
            check.set(Check::Idle);
            apply("");
            return;
        }
        check.set(Check::Checking);
        let probe = read(&scope.get_untracked(), Some(&expression)).first_page(1);
        let apply = apply.clone();
        spawn_local_scoped(async move {
            let answer = client.get(&probe, None, Duration::ZERO).await;
            if attempt.try_get_value() != Some(this) {
                return;
            }
            match answer {
                Ok(_) => {
                    check.set(Check::Idle);
                    accepted.set_value(Some(expression.clone()));
                    if applied.get_untracked().as_deref() != Some(expression.as_str()) {
                        apply(&expression);
                    }
                }
                Err(error) => check.set(Check::Refused { expression, error }),
            }
        });
    };

    // The URL's expression (a reload, a link, back): shown in the box, and checked, so that an
    // expression the agent refuses has its error here too.
    Effect::new({
        let submit = submit.clone();
        move |_| {
            let expression = applied.get().unwrap_or_default();
            draft.set(expression.clone());
            let known = accepted.with_value(|a| a.as_deref() == Some(expression.as_str()));
            if !expression.is_empty() && !known {
                submit(expression);
            } else {
                // The URL moved on (cleared, or back to an accepted expression): an answer
                // still awaited, or an error shown, is about another expression.
                attempt.update_value(|n| *n += 1);
                check.set(Check::Idle);
            }
        }
    });

    let refused = move || match check.get() {
        Check::Refused { expression, error } => {
            let shown = applied.get_untracked();
            // A 400 carries Nomad's own text; other failures say what they are.
            let (title, text) = match &error {
                ApiError::Status { status: 400, message } => ("The agent refused this expression: ", message.clone()),
                other => ("Could not check this expression: ", other.to_string()),
            };
            // Nothing changed in the list: say by what it is still filtered.
            let unchanged = (shown.as_deref() != Some(expression.as_str())).then(|| match shown {
                Some(previous) => format!(" The list is still filtered by: {previous}"),
                None => " The list is unchanged.".to_string(),
            });
            Some(view! {
                <p class="filter-error" data-testid="filter-error" role="alert">
                    <strong>{title}</strong>
                    <span class="mono" data-testid="filter-error-text">
                        {text}
                    </span>
                    {unchanged}
                </p>
            })
        }
        _ => None,
    };

    view! {
        <div class="filter-box" data-testid="filter-box">
            <div class="toolbar">
                <span class="filter-label" title="Nomad's filter parameter: the agent lists only what matches">
                    "Expression"
                </span>
                <input
                    type="text"
                    class="filter-expression"
                    placeholder=placeholder
                    aria-label="Filter expression, applied by the agent"
                    title="A go-bexpr filter expression the agent applies (Enter to apply)"
                    spellcheck="false"
                    autocomplete="off"
                    data-testid="filter-expression"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                    on:keydown={
                        let submit = submit.clone();
                        move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
                            "Enter" => {
                                ev.prevent_default();
                                submit(draft.get_untracked());
                            }
                            "Escape" => {
                                draft.set(applied.get_untracked().unwrap_or_default());
                                check.set(Check::Idle);
                            }
                            _ => {}
                        }
                    }
                />
                <button
                    type="button"
                    data-testid="filter-clear"
                    disabled=move || draft.with(String::is_empty) && applied.with(Option::is_none)
                    on:click={
                        let submit = submit.clone();
                        move |_| {
                            draft.set(String::new());
                            submit(String::new());
                        }
                    }
                >
                    "Clear"
                </button>
                {move || {
                    (check.get() == Check::Checking)
                        .then(|| {
                            view! {
                                <span class="muted" data-testid="filter-checking">
                                    "Checking…"
                                </span>
                            }
                        })
                }}
                {move || {
                    (check.with(|c| *c == Check::Idle) && applied.with(Option::is_some))
                        .then(|| {
                            view! {
                                <span class="muted" data-testid="filter-applied">
                                    "Filtered by the agent"
                                </span>
                            }
                        })
                }}
            </div>
            {refused}
        </div>
    }
}
