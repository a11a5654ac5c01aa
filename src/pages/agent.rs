//! `/agent`: the agent this dashboard talks to: health, self (version, region, datacenter,
//! roles, raft/serf/runtime stats), gossip members, known servers, and their management.
//! None of these endpoints block, so they are polled.

use crate::acl::Capability;
use crate::api::endpoints;
use crate::api::live::{live, LiveOptions};
use crate::components::action::Action;
use crate::components::live_view::LiveView;
use crate::components::status::StatusBadge;
use leptos::prelude::*;
use nomad_api::{AgentHealth, AgentHealthResponse, AgentSelf, JoinResponse, ServerMembers};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(5);

#[component]
pub fn AgentPage() -> impl IntoView {
    let me = live::<AgentSelf>(|| Some(endpoints::agent_self()), LiveOptions::every(Duration::from_secs(10)));
    let leader = Memo::new(move |_| {
        me.data.with(|s| s.as_ref().and_then(|s| s.stats.get("nomad")?.get("leader_addr").cloned()))
    });
    view! {
        <div class="page-header">
            <h1>"Agent"</h1>
        </div>
        <Health />
        <section class="panel" data-testid="agent-self">
            <h2>"This agent"</h2>
            <LiveView live=me children=|s| view! { <SelfView agent=s /> } />
        </section>
        <Members leader />
        <Servers />
    }
}

/// `/v1/agent/health`.
#[component]
fn Health() -> impl IntoView {
    let health = live::<AgentHealthResponse>(|| Some(endpoints::agent_health()), LiveOptions::every(EVERY));
    view! {
        <section class="panel" data-testid="agent-health">
            <h2>"Health"</h2>
            <LiveView
                live=health
                children=|h| {
                    view! {
                        <div class="health-grid">
                            <HealthCard role="client" health=h.client.clone() />
                            <HealthCard role="server" health=h.server.clone() />
                        </div>
                    }
                }
            />
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

#[component]
fn SelfView(agent: Arc<AgentSelf>) -> impl IntoView {
    let c = &agent.config;
    let nomad = agent.stats.get("nomad");
    let roles: Vec<&str> = [("server", "server"), ("client", "client")]
        .into_iter()
        .filter(|(section, _)| {
            agent.stats.contains_key(*section) || nomad.and_then(|n| n.get(*section)).is_some_and(|v| v == "true")
        })
        .map(|(_, role)| role)
        .collect();
    let sections: Vec<(String, BTreeMap<String, String>)> = ["raft", "serf", "runtime", "nomad", "client"]
        .iter()
        .filter_map(|s| agent.stats.get(*s).map(|m| (s.to_string(), m.clone())))
        .collect();
    view! {
        <dl class="kv">
            <dt>"Name"</dt>
            <dd data-testid="agent-name">{agent.member.name.clone()}</dd>
            <dt>"Version"</dt>
            <dd data-testid="agent-version">{agent.version()}</dd>
            <dt>"Region"</dt>
            <dd data-testid="agent-region">{c.region.clone()}</dd>
            <dt>"Datacenter"</dt>
            <dd data-testid="agent-datacenter">{c.datacenter.clone()}</dd>
            <dt>"Roles"</dt>
            <dd data-testid="agent-roles">{roles.join(", ")}</dd>
            <dt>"ACLs"</dt>
            <dd>{if c.acl.as_ref().is_some_and(|a| a.enabled) { "enabled" } else { "disabled" }}</dd>
        </dl>
        <div class="grid stats-grid">
            {sections
                .into_iter()
                .map(|(name, values)| {
                    view! {
                        <div data-testid=format!("agent-stats-{name}")>
                            <h3>{name.clone()}</h3>
                            <dl class="kv small">
                                {values
                                    .into_iter()
                                    .map(|(k, v)| {
                                        view! {
                                            <dt>{k}</dt>
                                            <dd>{v}</dd>
                                        }
                                    })
                                    .collect_view()}
                            </dl>
                        </div>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// `/v1/agent/members`, with force-leave per member.
#[component]
fn Members(leader: Memo<Option<String>>) -> impl IntoView {
    let members = live::<ServerMembers>(|| Some(endpoints::agent_members()), LiveOptions::every(EVERY));
    let join_address = RwSignal::new(String::new());
    view! {
        <section class="panel" data-testid="agent-members">
            <h2>"Members"</h2>
            <LiveView
                live=members
                children=move |m| {
                    let leader = leader.get();
                    view! {
                        <p class="muted">
                            {format!(
                                "Server {} in region {}, datacenter {}",
                                m.server_name,
                                m.server_region,
                                m.server_dc,
                            )}
                        </p>
                        <table class="table">
                            <thead>
                                <tr>
                                    <th>"Name"</th>
                                    <th>"Address"</th>
                                    <th>"Status"</th>
                                    <th>"Leader"</th>
                                    <th>"Protocol"</th>
                                    <th>"Tags"</th>
                                    <th></th>
                                </tr>
                            </thead>
                            <tbody>
                                {m
                                    .members
                                    .iter()
                                    .map(|mb| {
                                        let rpc = mb.tags.get("port").map(|p| format!("{}:{p}", mb.addr));
                                        let is_leader = rpc.is_some() && rpc == leader;
                                        let name = mb.name.clone();
                                        let tags = mb
                                            .tags
                                            .iter()
                                            .map(|(k, v)| format!("{k}={v}"))
                                            .collect::<Vec<_>>()
                                            .join(" ");
                                        view! {
                                            <tr
                                                data-testid="member-row"
                                                data-name=mb.name.clone()
                                                data-status=mb.status.clone()
                                            >
                                                <td>{mb.name.clone()}</td>
                                                <td>{format!("{}:{}", mb.addr, mb.port)}</td>
                                                <td>
                                                    <StatusBadge status=mb.status.clone() />
                                                </td>
                                                <td data-testid="member-leader">
                                                    {if is_leader { "leader" } else { "" }}
                                                </td>
                                                <td>
                                                    {format!(
                                                        "{} ({}–{})",
                                                        mb.protocol_cur,
                                                        mb.protocol_min,
                                                        mb.protocol_max,
                                                    )}
                                                </td>
                                                <td class="small">{tags}</td>
                                                <td>
                                                    <Action
                                                        label="Force leave"
                                                        testid="action-force-leave"
                                                        needs=Capability::AgentWrite
                                                        namespace=""
                                                        danger=true
                                                        question=format!(
                                                            "Force {name} from the failed to the left state? Raft stops replicating to it.",
                                                        )
                                                        request={
                                                            let name = mb.name.clone();
                                                            move || endpoints::agent_force_leave(&name)
                                                        }
                                                    />
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                }
            />
            <div class="toolbar">
                <input
                    type="text"
                    placeholder="ip:port"
                    data-testid="join-address"
                    prop:value=join_address
                    on:input=move |ev| join_address.set(event_target_value(&ev))
                />
                <Action
                    label="Join"
                    testid="action-join"
                    needs=Capability::AgentWrite
                    namespace=""
                    question=Signal::derive(move || {
                        format!("Join this agent to the gossip pool of {}?", join_address.get())
                    })
                    request=move || endpoints::agent_join(join_address.get_untracked().trim())
                    describe=joined
                />
            </div>
        </section>
    }
}

fn joined(body: &str) -> String {
    match crate::api::client::decode::<JoinResponse>(body.as_bytes()) {
        Ok(r) if r.error.is_empty() => format!("Joined {} member(s)", r.num_joined),
        Ok(r) => format!("Joined {}; error: {}", r.num_joined, r.error),
        Err(_) => "Joined".to_string(),
    }
}

/// `/v1/agent/servers`, replaceable as a whole.
#[component]
fn Servers() -> impl IntoView {
    let servers = live::<Vec<String>>(|| Some(endpoints::agent_servers()), LiveOptions::every(Duration::from_secs(10)));
    let edited = RwSignal::new(None::<String>);
    let text = move || {
        edited.get().unwrap_or_else(|| servers.data.with(|s| s.as_ref().map(|s| s.join("\n")).unwrap_or_default()))
    };
    let addresses =
        move || edited.get_untracked().unwrap_or_default().split_whitespace().map(str::to_string).collect::<Vec<_>>();
    view! {
        <section class="panel" data-testid="agent-servers">
            <h2>"Servers"</h2>
            <LiveView
                live=servers
                children=|s| {
                    view! {
                        <ul data-testid="server-list">
                            {s
                                .iter()
                                .map(|a| {
                                    view! {
                                        <li class="mono" data-testid="server-address">
                                            {a.clone()}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                }
            />
            <label>
                "Server addresses (ip:port), one per line"
                <textarea
                    rows="3"
                    data-testid="servers-input"
                    prop:value=text
                    on:input=move |ev| edited.set(Some(event_target_value(&ev)))
                ></textarea>
            </label>
            <Action
                label="Update servers"
                testid="action-update-servers"
                needs=Capability::AgentWrite
                namespace=""
                question=Signal::derive(move || {
                    format!(
                        "Replace this client's server list with: {}?",
                        edited.get().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(", "),
                    )
                })
                request=move || endpoints::agent_servers_update(&addresses())
            />
        </section>
    }
}
