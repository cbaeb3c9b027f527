//! The Ballista engines: a query planner that sends the plans which scan lake files to a
//! scheduler, and the in-process clusters (`standalone`, `momentos-ballista`, the tests).
//!
//! The plan is made here, by DataFusion's own planner over this session's tables, and sent
//! as a physical plan (`ballista_core::execution_plans::execute_physical_plan`): the
//! scheduler never sees our table providers (`PrunedFiles`, the in-memory reference tables,
//! `cell_statistics`), only what they planned — Parquet scans of listed files, which the
//! executors open through their own object stores, and in-memory scans, which travel inside
//! the plan (small: reference tables and cached views).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ballista_core::config::BallistaConfig;
use ballista_core::execution_plans::execute_physical_plan;
use ballista_core::extension::SessionConfigExt;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_core::serde::BallistaCodec;
use ballista_executor::executor_process::ExecutorProcessConfig;
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use datafusion::catalog::Session;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::QueryPlanner;
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::{SessionStateBuilder, TaskContext};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
    SendableRecordBatchStream,
};
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_proto::physical_plan::AsExecutionPlan;
use datafusion_proto::protobuf::PhysicalPlanNode;
use futures::TryStreamExt;
use object_store::ObjectStore;
use tokio::sync::OnceCell;
use url::Url;

use super::Engine;

/// Largest gRPC message between client, scheduler and executors. A plan carries its
/// in-memory scans (the score's cached views), which outgrow Ballista's 16 MiB default at
/// a million interactions ("h2 protocol error" on submission).
const MAX_MESSAGE: usize = 1 << 30;

/// The session configuration of schedulers and executors: Ballista's, with `MAX_MESSAGE`.
fn cluster_config() -> SessionConfig {
    SessionConfig::new_with_ballista().with_ballista_grpc_client_max_message_size(MAX_MESSAGE)
}

/// `ctx` with a planner that runs its file scans on the engine's cluster.
pub async fn attach(engine: &Engine, ctx: SessionContext) -> Result<SessionContext> {
    let scheduler = match engine {
        Engine::Embedded => return Ok(ctx),
        Engine::Standalone => standalone().await?,
        Engine::Remote { host, port } => {
            let url = format!("http://{host}:{port}");
            // Fail now, naming the scheduler, rather than at the first table.
            let answer = tokio::time::timeout(
                Duration::from_secs(5),
                SchedulerGrpcClient::connect(url.clone()),
            )
            .await;
            if !matches!(answer, Ok(Ok(_))) {
                let error = match answer {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timeout (5 s)".to_string(),
                };
                return Err(DataFusionError::Configuration(crate::t!(
                    "engine-error-unreachable",
                    engine = engine.to_string(),
                    error = error
                )));
            }
            url
        }
    };
    let mut state = ctx.state();
    // Ballista's scheduler refuses round-robin repartitions in the plans it makes; ours
    // are made here, so keep them out too (they change no result).
    let optimizer = &mut state.config_mut().options_mut().optimizer;
    optimizer.enable_round_robin_repartition = false;
    // Nor dynamic filters on hash joins: the scheduler swaps a join's inputs when a stage's
    // real sizes are known, and DataFusion refuses to swap a join that carries one
    // ("Cannot swap HashJoinExec inputs after dynamic filter"): the task status update
    // fails and the job never finishes (the score's `cell_scores` at a million
    // interactions). They change no result either.
    optimizer.enable_join_dynamic_filter_pushdown = false;
    let state = SessionStateBuilder::new_from_existing(state)
        .with_query_planner(Arc::new(ClusterPlanner { scheduler }))
        .build();
    Ok(SessionContext::new_with_state(state))
}

/// The URL of this process's standalone cluster, started on first use: a scheduler and
/// one executor with a task per core, on loopback ports the system picks.
async fn standalone() -> Result<String> {
    static CLUSTER: OnceCell<String> = OnceCell::const_new();
    CLUSTER
        .get_or_try_init(|| async {
            let scheduler = start_scheduler().await?;
            let url = format!("http://{scheduler}");
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            start_executor(&url, cores).await?;
            tracing::info!(%url, "Started a standalone Ballista cluster.");
            Ok::<_, DataFusionError>(url)
        })
        .await
        .cloned()
}

/// Starts a scheduler on a loopback port in this process (it runs as long as the
/// process's Tokio runtime) and returns its address.
pub async fn start_scheduler() -> Result<SocketAddr> {
    ballista_scheduler::standalone::new_standalone_scheduler_with_builder(
        session_builder(),
        Arc::new(cluster_config),
        BallistaCodec::default(),
    )
    .await
    .map_err(external)
}

/// Runs a scheduler listening on `bind` until the process ends (`momentos-ballista
/// scheduler`); `external_host` is the name executors and clients reach it by.
pub async fn run_scheduler(bind: SocketAddr) -> Result<()> {
    let config = SchedulerConfig {
        bind_host: bind.ip().to_string(),
        bind_port: bind.port(),
        external_host: bind.ip().to_string(),
        override_session_builder: Some(session_builder()),
        override_config_producer: Some(Arc::new(cluster_config)),
        grpc_server_max_decoding_message_size: MAX_MESSAGE as u32,
        grpc_server_max_encoding_message_size: MAX_MESSAGE as u32,
        grpc_client_max_message_size: MAX_MESSAGE as u32,
        ..Default::default()
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(external)?;
    ballista_scheduler::scheduler_process::start_server(cluster, bind, Arc::new(config))
        .await
        .map_err(external)
}

/// Where an executor listens and which scheduler it serves (`momentos-ballista executor`).
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// Address it binds and advertises to the scheduler and the other executors.
    pub host: String,
    /// Arrow Flight port (shuffle data and results).
    pub port: u16,
    /// gRPC port (tasks pushed by the scheduler).
    pub grpc_port: u16,
    pub scheduler_host: String,
    pub scheduler_port: u16,
    /// Tasks run at once.
    pub tasks: usize,
    /// Folder for shuffle files (default: a temporary one).
    pub work_dir: Option<String>,
}

/// Runs an executor until the process ends.
pub async fn run_executor(opts: ExecutorOptions) -> Result<()> {
    let config = ExecutorProcessConfig {
        bind_host: opts.host.clone(),
        external_host: Some(opts.host),
        port: opts.port,
        grpc_port: opts.grpc_port,
        scheduler_host: opts.scheduler_host,
        scheduler_port: opts.scheduler_port,
        scheduler_connect_timeout_seconds: 20,
        vcores: opts.tasks.max(1),
        grpc_max_decoding_message_size: MAX_MESSAGE as u32,
        grpc_max_encoding_message_size: MAX_MESSAGE as u32,
        work_dir: opts.work_dir,
        override_function_registry: Some(Arc::new(functions())),
        override_runtime_producer: Some(Arc::new(|_: &SessionConfig| runtime())),
        override_config_producer: Some(Arc::new(cluster_config)),
        ..Default::default()
    };
    ballista_executor::executor_process::start_executor_process(Arc::new(config))
        .await
        .map_err(external)
}

fn external(e: impl std::error::Error + Send + Sync + 'static) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

/// Schedulers' sessions: Ballista's, with the lake's object stores.
fn session_builder() -> ballista_scheduler::SessionBuilder {
    Arc::new(|config: SessionConfig| {
        let state = ballista_core::utils::default_session_builder(config)?;
        Ok(SessionStateBuilder::new_from_existing(state)
            .with_runtime_env(runtime()?)
            .build())
    })
}

/// Every function of a default session: Ballista's own default registry lacks the nested
/// ones (`make_array`, which our plans use), so its stock executor cannot run them.
fn functions() -> BallistaFunctionRegistry {
    BallistaFunctionRegistry::from(&SessionStateBuilder::new().with_default_features().build())
}

/// Starts an executor in this process, registered with the scheduler at `scheduler`
/// (`http://host:port`), running up to `tasks` tasks at once. Its object stores are the
/// lake's: local files, and `s3://` buckets configured from the `AWS_*` variables.
pub async fn start_executor(scheduler: &str, tasks: usize) -> Result<()> {
    // The scheduler may still be starting: wait up to 10 s for it to listen.
    let mut tries = 0;
    let client = loop {
        match SchedulerGrpcClient::connect(scheduler.to_string()).await {
            Ok(client) => break client,
            Err(e) if tries >= 100 => return Err(external(e)),
            Err(_) => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    ballista_executor::new_standalone_executor_from_builder(
        client,
        tasks.max(1),
        Arc::new(cluster_config),
        Arc::new(|_: &SessionConfig| runtime()),
        BallistaCodec::default(),
        functions(),
    )
    .await
    .map_err(external)
}

/// Executors' and schedulers' runtime: the lake's object stores.
fn runtime() -> Result<Arc<RuntimeEnv>> {
    RuntimeEnvBuilder::new()
        .with_object_store_registry(Arc::new(LakeStores::default()))
        .build_arc()
}

/// DataFusion's registry, plus `s3://bucket` stores made on first use as `--lake s3://…`
/// makes them (`lake::s3`: the `AWS_*` variables).
#[derive(Debug, Default)]
struct LakeStores {
    inner: DefaultObjectStoreRegistry,
}

impl ObjectStoreRegistry for LakeStores {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.inner.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.inner.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        match self.inner.get_store(url) {
            Ok(store) => Ok(store),
            Err(_) if url.scheme() == "s3" => {
                let bucket = Url::parse(&format!("s3://{}", url.host_str().unwrap_or_default()))
                    .map_err(external)?;
                let store = crate::lake::s3::store(&bucket).map_err(DataFusionError::Execution)?;
                self.inner.register_store(&bucket, store.clone());
                Ok(store)
            }
            Err(e) => Err(e),
        }
    }
}

/// Plans here; sends the plans that scan files to the scheduler.
#[derive(Debug)]
struct ClusterPlanner {
    /// `http://host:port`
    scheduler: String,
}

#[async_trait]
impl QueryPlanner for ClusterPlanner {
    async fn create_physical_plan(
        &self,
        logical_plan: &LogicalPlan,
        session: &dyn Session,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let plan = DefaultPhysicalPlanner::default()
            .create_physical_plan(logical_plan, session)
            .await?;
        if !scans_files(&plan)? {
            return Ok(plan);
        }
        let config = session
            .config()
            .clone()
            .with_option_extension(BallistaConfig::default())
            .with_ballista_grpc_client_max_message_size(MAX_MESSAGE);
        Ok(Arc::new(ClusterExec::new(
            plan,
            self.scheduler.clone(),
            config,
            session.session_id().to_string(),
        )))
    }
}

/// True when the plan reads files (of the lake, or of a score's local output).
fn scans_files(plan: &Arc<dyn ExecutionPlan>) -> Result<bool> {
    let mut found = false;
    plan.apply(|node| {
        found = node.downcast_ref::<DataSourceExec>().is_some_and(|source| {
            source
                .data_source()
                .downcast_ref::<FileScanConfig>()
                .is_some()
        });
        Ok(if found {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    })?;
    Ok(found)
}

/// Rows and bytes of the in-memory scans in a plan: they travel inside it, to the
/// scheduler and in every task of their stages.
fn in_memory(plan: &Arc<dyn ExecutionPlan>) -> Result<(usize, usize)> {
    let (mut rows, mut bytes) = (0, 0);
    plan.apply(|node| {
        let memory = node
            .downcast_ref::<DataSourceExec>()
            .and_then(|source| source.data_source().downcast_ref::<MemorySourceConfig>());
        for batch in memory.iter().flat_map(|m| m.partitions().iter().flatten()) {
            rows += batch.num_rows();
            bytes += batch.get_array_memory_size();
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok((rows, bytes))
}

/// A plan run on the cluster: one output partition, the job's result.
#[derive(Debug)]
struct ClusterExec {
    plan: Arc<dyn ExecutionPlan>,
    scheduler: String,
    config: SessionConfig,
    session_id: String,
    properties: Arc<PlanProperties>,
}

impl ClusterExec {
    fn new(
        plan: Arc<dyn ExecutionPlan>,
        scheduler: String,
        config: SessionConfig,
        session_id: String,
    ) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(plan.schema()),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        ClusterExec {
            plan,
            scheduler,
            config,
            session_id,
            properties,
        }
    }
}

impl DisplayAs for ClusterExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "ClusterExec: scheduler={}", self.scheduler)
    }
}

impl ExecutionPlan for ClusterExec {
    fn name(&self) -> &str {
        "ClusterExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        // The plan runs elsewhere: nothing here may rewrite it.
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(
        &self,
        partition: usize,
        _context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!(
                "ClusterExec has one partition, not {partition}"
            )));
        }
        let (plan, scheduler, config, session_id) = (
            self.plan.clone(),
            self.scheduler.clone(),
            self.config.clone(),
            self.session_id.clone(),
        );
        let job = async move {
            let ballista = config.ballista_config();
            let codec = config.ballista_physical_extension_codec();
            if tracing::enabled!(tracing::Level::DEBUG) {
                let (memory_rows, memory_bytes) = in_memory(&plan)?;
                let mut encoded = Vec::new();
                PhysicalPlanNode::try_from_physical_plan(plan.clone(), codec.as_ref())
                    .and_then(|node| node.try_encode(&mut encoded))?;
                let encoded = encoded.len();
                tracing::debug!(
                    %scheduler,
                    memory_rows,
                    memory_bytes,
                    encoded,
                    "Sending a plan to the cluster."
                );
            }
            execute_physical_plan::<PhysicalPlanNode>(
                scheduler,
                &ballista,
                plan,
                codec.as_ref(),
                session_id,
                config,
            )
            .await
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.plan.schema(),
            futures::stream::once(job).try_flatten(),
        )))
    }
}
