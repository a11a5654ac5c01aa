//! The agent: health (client and server), and more about the agent this dashboard talks to.

use crate::api::endpoints;
use crate::api::live::{live, LiveOptions};
use crate::components::live_view::LiveView;
use leptos::prelude::*;
use nomad_api::{AgentHealth, AgentHealthResponse};
use std::time::Duration;

#[component]
pub fn AgentPage() -> impl IntoView {
    view! {
        <h1>"Agent"</h1>
        <Health/>
    }
}

/// `/v1/agent/health`, polled: it has no blocking queries.
#[component]
fn Health() -> impl IntoView {
    let health = live::<AgentHealthResponse>(|| Some(endpoints::agent_health()), LiveOptions::every(Duration::from_secs(5)));
    view! {
        <section class="panel" data-testid="agent-health">
            <h2>"Health"</h2>
            <LiveView live=health children=|h| view! {
                <div class="health-grid">
                    <HealthCard role="client" health=h.client.clone()/>
                    <HealthCard role="server" health=h.server.clone()/>
                </div>
            }/>
        </section>
    }
}

#[component]
fn HealthCard(role: &'static str, health: Option<AgentHealth>) -> impl IntoView {
    let (state, message) = match &health {
        Some(h) if h.ok => ("ok", h.message.clone()),
        Some(h) => ("failing", h.message.clone()),
        None => ("absent", format!("This agent does not run a {role}.")),
    };
    view! {
        <div class="health-card" data-testid=format!("health-{role}") data-ok=state>
            <span class=format!("badge badge-{state}")>{state}</span>
            <strong>{role}</strong>
            <span data-testid=format!("health-{role}-message")>{message}</span>
        </div>
    }
}
