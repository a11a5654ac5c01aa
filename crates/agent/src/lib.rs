//! Caravan's local agent: a single-node Nomad agent in dev mode (server and client in one)
//! that speaks Nomad's v1 HTTP API and runs allocations as real local processes through
//! `caravan-client`. It is the fixture of the dashboard's browser tests and the load
//! generator of its benchmarks, so it answers as Nomad does in every detail it serves.

pub mod acl;
pub mod blocking;
pub mod config;
pub mod demo;
pub mod eligibility;
pub mod error;
pub mod events;
pub mod gc;
pub mod host;
pub mod http;
pub mod jobspec;
pub mod limits;
pub mod node;
pub mod persist;
pub mod proxy;
pub mod runner;
pub mod state;
pub mod synthetic;
pub mod ui;

pub use config::{Cli, Command, Config};
pub use error::ApiError;
pub use state::scheduler::Registered;

use acl::{Acl, Authority, Realm, Secrets};
use caravan_client::{Client, ClientConfig};
use nomad_api::{Job, Namespace, NomadVersion};
use persist::StateFile;
use state::{Cluster, Table};
use std::io::Write;
use std::net::SocketAddr;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The namespace the demo's second workload runs in, so that `namespace=*` matters.
pub const OPS_NAMESPACE: &str = "ops";
/// The RPC address this server would advertise; it is what `/v1/status/leader` names.
pub const RPC_PORT: u16 = 4647;
pub const SERF_PORT: u16 = 4648;

/// Everything the handlers share.
pub struct AgentState {
    pub cluster: Cluster,
    pub acl: Acl,
    pub client: Client,
    /// The Nomad release this agent answers as (`--nomad-version`).
    pub version: NomadVersion,
    pub region: String,
    pub datacenter: String,
    pub node_id: String,
    pub node_name: String,
    pub http_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub ui_dir: Option<PathBuf>,
    /// The client's server list (`/v1/agent/servers`).
    pub servers: Mutex<Vec<String>>,
    /// The hosts requests may be addressed to (`--allowed-host`), against DNS rebinding.
    pub allowed_hosts: nomad_proxy::AllowedHosts,
    pub started: Instant,
    pub alloc_stubs: http::alloc_stub::StubCache,
    /// Garbage collection thresholds and intervals (`crate::gc`).
    pub gc: gc::GcArgs,
    /// The event stream's broker; `None` with `--no-event-broker` (`enable_event_broker = false`).
    pub events: Option<Arc<events::EventBroker>>,
}

#[derive(Clone)]
pub struct AppState(Arc<AgentState>);

impl Deref for AppState {
    type Target = AgentState;
    fn deref(&self) -> &AgentState {
        &self.0
    }
}

impl AgentState {
    /// The ACL object of a request's token.
    pub fn authorize(&self, token: &str, realm: Realm) -> Result<Authority, ApiError> {
        self.acl.resolve(token, realm, self.version)
    }

    /// Requests for another region are forwarded by Nomad; this agent knows no other region.
    pub fn check_region(&self, region: &str) -> Result<(), ApiError> {
        if region == self.region {
            Ok(())
        } else {
            Err(ApiError::internal(error::NO_REGION_PATH))
        }
    }

    /// Registers a job and places its allocations on this agent's node (`Job.Register`).
    pub fn register_job(&self, job: Job) -> Result<Registered, ApiError> {
        self.register_submitted_job(job, None)
    }

    /// As [`AppState::register_job`], keeping the job's source (`JobSubmission`) for the
    /// version the registration writes, in the same write.
    pub fn register_submitted_job(
        &self,
        job: Job,
        submission: Option<&nomad_api::JobSubmission>,
    ) -> Result<Registered, ApiError> {
        limits::check_job(&job, &self.cluster.read())?;
        let job = jobspec::canonicalize(job, &self.region, &self.datacenter, self.version)?;
        let node = self.cluster.read().node(&self.node_id).cloned();
        let node = node.ok_or_else(|| ApiError::internal("the local node is not registered"))?;
        if self.cluster.read().namespace(&job.namespace).is_none() {
            return Err(ApiError::bad_request(format!(
                "job {:?} is in nonexistent namespace {:?}",
                job.id, job.namespace
            )));
        }
        Ok(self.cluster.write(|txn| {
            let (namespace, id) = (job.namespace.clone(), job.id.clone());
            let registered = state::scheduler::register(txn, job, std::slice::from_ref(&node));
            if let Some(submission) = submission {
                txn.put_job_submission(&namespace, &id, submission);
            }
            registered
        }))
    }
}

/// The HTTP API over `state`, for requests addressed to an allowed host, with bodies of
/// bounded size, answering writes once they are on disk.
pub fn app(state: AppState) -> axum::Router {
    let router = http::router(state.clone())
        .layer(axum::middleware::from_fn_with_state(state.clone(), persist::sync_writes))
        .layer(axum::extract::DefaultBodyLimit::max(limits::MAX_REQUEST_BODY))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limits::MAX_REQUEST_BODY))
        .layer(axum::middleware::from_fn(limits::check_body_length));
    nomad_proxy::with_host_check(router, state.allowed_hosts.clone())
}

/// A running agent.
pub struct Agent {
    state: AppState,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    server: JoinHandle<()>,
    /// Where the state is kept when the agent has a data directory.
    state_file: Option<Arc<StateFile>>,
    /// The default data directory, removed when the agent is dropped.
    _temp_dir: Option<tempfile::TempDir>,
}

impl Agent {
    /// Binds, restores the state an earlier agent left in the data directory or starts a new
    /// cluster (this node, the namespaces, ACL bootstrap, synthetic state, and unless
    /// `no_demo` the demo jobs), and starts the client. Without a data directory the state is
    /// that of a new cluster each time, as `nomad agent -dev`.
    pub async fn start(config: Config) -> std::io::Result<Agent> {
        let (data_dir, temp_dir) = match &config.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                (std::path::absolute(dir)?, None)
            }
            None => {
                let dir = tempfile::Builder::new().prefix("caravan-agent-").tempdir()?;
                (dir.path().to_path_buf(), Some(dir))
            }
        };
        let kept_dir = config.data_dir.is_some().then_some(data_dir.as_path());
        if let Some(dir) = kept_dir {
            // The server's state is the agent's alone; the client closes the rest (issue 16).
            caravan_client::private_dir(&dir.join("server"))?;
        }
        let state_file = kept_dir.map(|dir| Arc::new(StateFile::new(dir)));
        let saved = match &state_file {
            Some(file) => file.load()?,
            None => persist::Saved::default(),
        };

        let allowed_hosts = nomad_proxy::AllowedHosts::new(config.bind, &config.host_check.allowed_hosts)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        let max_connections = caravan_listener::connection_cap(caravan_listener::raise_descriptor_limit()?);
        let http_limits = config.http_limits.limits(max_connections);
        let listener = tokio::net::TcpListener::bind((config.bind, config.port)).await?;
        let addr = listener.local_addr()?;

        let facts = host::HostFacts::read(&data_dir);
        let node_id = node::node_id(kept_dir)?;
        let fresh = !saved.restored;
        let acl_tokens = saved.acl_tokens;
        let cluster = Cluster::new(saved.store, None);
        let event_broker = (!config.no_event_broker)
            .then(|| Arc::new(events::EventBroker::new(config.event_buffer_size, config.nomad_version)));
        if let Some(broker) = &event_broker {
            cluster.publish_to(broker.clone());
        }
        let now = state::store::now_nanos();
        cluster.write(|txn| {
            if fresh {
                txn.upsert_namespace(Namespace {
                    name: http::request::DEFAULT_NAMESPACE.into(),
                    description: "Default shared namespace".into(),
                    ..Default::default()
                });
                txn.upsert_namespace(Namespace {
                    name: OPS_NAMESPACE.into(),
                    description: "Operations team workloads".into(),
                    ..Default::default()
                });
            }
            // A restarted client registers its node again, under the same ID.
            txn.upsert_node(node::local_node(
                &node_id,
                &facts,
                &config.datacenter,
                &addr.to_string(),
                config.nomad_version,
                now,
            ));
        });
        // ACLs are bootstrapped once; the tokens stay the same across restarts.
        let acl = if config.acl && acl_tokens.is_empty() {
            let index = cluster.write(|txn| {
                txn.record(Table::AclToken);
                txn.index
            });
            Acl::bootstrap(index, now)
        } else {
            Acl::restored(config.acl, acl_tokens)
        };
        write_secrets(&data_dir, &acl)?;
        let (client, updates) = Client::new(ClientConfig {
            data_dir: data_dir.clone(),
            node_id: node_id.clone(),
            node_name: facts.hostname.clone(),
            region: config.region.clone(),
            datacenter: config.datacenter.clone(),
            nomad_version: config.nomad_version,
        });
        let state = AppState(Arc::new(AgentState {
            cluster,
            acl,
            client,
            version: config.nomad_version,
            region: config.region.clone(),
            datacenter: config.datacenter.clone(),
            node_id,
            node_name: facts.hostname.clone(),
            http_addr: addr,
            data_dir,
            ui_dir: config.ui_dir.clone(),
            servers: Mutex::new(vec![format!("{}:{RPC_PORT}", addr.ip())]),
            allowed_hosts,
            started: Instant::now(),
            alloc_stubs: Default::default(),
            gc: config.gc.clone(),
            events: event_broker,
        }));

        let (stop, stopped) = watch::channel(false);
        let mut tasks = vec![tokio::spawn(runner::apply_client_updates(state.clone(), updates, stopped.clone()))];
        runner::restore_local_allocs(&state).await;
        tasks.push(tokio::spawn(runner::run_local_allocs(state.clone(), stopped.clone())));
        tasks.push(tokio::spawn(gc::run_server_gc(state.clone(), config.gc.clone(), stopped.clone())));
        tasks.push(tokio::spawn(gc::run_client_gc(state.clone(), config.gc.clone(), stopped.clone())));
        let scale = synthetic::Scale {
            allocs: config.synthetic_allocs,
            jobs: config.synthetic_jobs,
            nodes: config.synthetic_nodes,
        };
        if scale.allocs > 0 || scale.jobs > 0 || scale.nodes > 0 {
            if fresh {
                synthetic::populate(&state, scale);
            }
            if config.churn > 0.0 {
                let ids = synthetic::alloc_ids(&state);
                tasks.push(tokio::spawn(synthetic::churn(state.clone(), ids, config.churn, stopped.clone())));
            }
        }
        if fresh && !config.no_demo {
            for job in demo::jobs() {
                state.register_job(job).map_err(|e| std::io::Error::other(e.message))?;
            }
        }
        if let Some(file) = &state_file {
            // Saved whole before serving, the log kept from then on: it holds only what came
            // after, and a new cluster's ACL tokens are kept from the start.
            let index = state.cluster.read().index();
            let (f, s) = (file.clone(), state.clone());
            tokio::task::spawn_blocking(move || f.start(&s.cluster, s.acl.tokens()))
                .await
                .map_err(std::io::Error::other)??;
            tasks.push(tokio::spawn(persist::keep_saved(file.clone(), state.clone(), index, stopped.clone())));
        }
        let server = tokio::spawn(caravan_listener::serve(listener, app(state.clone()), http_limits, stopped));
        Ok(Agent { state, addr, stop, tasks, server, state_file, _temp_dir: temp_dir })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ip:port`, the agent address Nomad's CLI and the dashboard are given.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn register_job(&self, job: Job) -> Result<Registered, ApiError> {
        self.state.register_job(job)
    }

    /// The secrets of the management, operator and read-only tokens, when ACLs are on.
    pub fn acl_secrets(&self) -> Option<Secrets> {
        self.state.acl.secrets()
    }

    /// Stops serving and changing the state, writes it one last time (with a data
    /// directory), then stops every task the client runs: a restarted agent finds the
    /// allocations as they were and runs their tasks again.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        // Blocking queries may hold connections for minutes: give requests a moment, no more.
        let server = self.server;
        let abort = server.abort_handle();
        if tokio::time::timeout(std::time::Duration::from_secs(1), server).await.is_err() {
            abort.abort();
        }
        for task in self.tasks {
            let _ = task.await;
        }
        if let Some(file) = &self.state_file {
            if let Err(e) = file.save(&self.state.cluster, self.state.acl.tokens()) {
                tracing::error!(error = %e, path = %file.path().display(), "saving the state failed");
            }
        }
        self.state.client.shutdown().await;
    }
}

/// Hands the heap's free pages back to the system. Making 100,000 synthetic allocations
/// frees about as much as it keeps on the way (each is written twice, the event buffer
/// holding the first copy a while), as does saving them (a copy of the state's maps), and
/// glibc's malloc keeps those pages mapped, so the agent's resident size would count them
/// (issue 18: at most 1 GB at 100,000 allocations).
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases free memory of the allocator's own arenas; no
    // pointer is handed to it.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// `<data-dir>/acl-token` (the bootstrap secret) and `<data-dir>/acl-tokens.json`, owner-only,
/// when ACLs are on.
fn write_secrets(data_dir: &Path, acl: &Acl) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let Some(secrets) = acl.secrets() else { return Ok(()) };
    let write = |name: &str, text: String| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(data_dir.join(name))?;
        // A file an older agent left may be readable by others (issue 16).
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        file.write_all(text.as_bytes())
    };
    write("acl-token", format!("{}\n", secrets.management))?;
    write("acl-tokens.json", serde_json::to_string_pretty(&secrets).map_err(std::io::Error::other)? + "\n")
}

/// Runs the agent until SIGINT or SIGTERM: prints its address (and ACL tokens), then on a
/// signal stops serving and shuts every task down.
pub async fn serve(config: Config) -> std::io::Result<()> {
    let agent = Agent::start(config).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "Caravan agent listening on {}", agent.url())?;
    if let Some(s) = agent.acl_secrets() {
        writeln!(out, "ACL enabled. Tokens (also in {}):", agent.state.data_dir.join("acl-tokens.json").display())?;
        writeln!(out, "  management: {}", s.management)?;
        writeln!(out, "  operator:   {}", s.operator)?;
        writeln!(out, "  read-only:  {}", s.readonly)?;
    }
    out.flush()?;
    drop(out);

    shutdown_signal().await?;
    tracing::info!("shutting down");
    agent.shutdown().await;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() -> std::io::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result,
        _ = terminate.recv() => Ok(()),
    }
}
