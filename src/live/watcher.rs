//! The [`Watcher`]'s set-up: construction, the engine it diagnoses with, and how it
//! addresses the API (namespace, selectors, list parameters) — what preflight, `once` and
//! `run` share.

use std::sync::Arc;

use kube::api::ListParams;
use kube::Api;

use super::error::Access;
use super::work::Ctx;
use super::{Connection, LogRoot, Metrics, Sink, WatchOptions, Watcher};
use crate::Engine;

/// The built-in engine, compiled once per process: compiling the pattern packs is the
/// expensive part of start-up, and every watcher with default settings can share it.
pub fn default_engine() -> Arc<Engine> {
    static ENGINE: std::sync::OnceLock<Arc<Engine>> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| Arc::new(Engine::new())).clone()
}

impl Watcher {
    /// A watcher on a connection from [`connect`](super::connect).
    pub fn new(conn: &Connection, opts: WatchOptions) -> Watcher {
        Watcher {
            client: conn.client.clone(),
            url: conn.url.clone(),
            engine: None,
            metrics: Metrics::new(),
            log_root: opts.log_root.as_deref().map(LogRoot::open),
            opts,
        }
    }

    /// Use this engine (e.g. with extra pattern packs) instead of the built-in one.
    pub fn with_engine(mut self, engine: Engine) -> Watcher {
        self.engine = Some(Arc::new(engine));
        self
    }

    /// The engine, compiled off the async threads if it is the shared default and not built
    /// yet: at start-up, so the first incident does not pay for it.
    pub(super) async fn engine(&self) -> Arc<Engine> {
        match &self.engine {
            Some(e) => e.clone(),
            None => tokio::task::spawn_blocking(default_engine)
                .await
                .unwrap_or_else(|_| default_engine()),
        }
    }

    /// Count into these metrics (served by [`serve_metrics`](super::serve_metrics)).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Watcher {
        self.metrics = metrics;
        self
    }

    /// The metrics this watcher counts into.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    pub(super) fn ns(&self) -> Option<&str> {
        self.opts.namespace.as_deref()
    }

    pub(super) fn api<K>(&self) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        match self.ns() {
            Some(ns) => Api::namespaced(self.client.clone(), ns),
            None => Api::all(self.client.clone()),
        }
    }

    pub(super) fn access<'a>(&'a self, verb: &'a str, resource: &'a str) -> Access<'a> {
        Access {
            verb,
            resource,
            namespace: self.ns(),
        }
    }

    /// `spec.nodeName=NAME` in node-local mode: the API server filters, so this agent never
    /// receives (or keeps) the rest of the cluster's pods.
    pub(super) fn node_selector(&self) -> Option<String> {
        self.opts
            .node
            .as_ref()
            .map(|n| format!("spec.nodeName={n}"))
    }

    pub(super) fn pod_list_params(&self) -> ListParams {
        let mut lp = ListParams::default();
        if let Some(s) = &self.opts.selector {
            lp = lp.labels(s);
        }
        if let Some(f) = self.node_selector() {
            lp = lp.fields(&f);
        }
        lp
    }

    /// Says once, at start, that `--log-root` cannot be used, and why.
    pub(super) fn check_log_root(&self, sink: &mut dyn Sink) {
        if let Some(Err(e)) = &self.log_root {
            sink.notice(&format!(
                "--log-root {e}; reading container logs through the API"
            ));
        }
    }

    pub(super) fn event_list_params() -> ListParams {
        ListParams::default().fields("involvedObject.kind=Pod")
    }

    /// What the pod tasks share.
    pub(super) fn ctx(&self, engine: Arc<Engine>) -> Arc<Ctx> {
        Arc::new(Ctx {
            client: self.client.clone(),
            engine,
            metrics: self.metrics.clone(),
            log_root: match &self.log_root {
                Some(Ok(root)) => Some(root.clone()),
                _ => None,
            },
            tail_lines: self.opts.tail_lines,
            log_timeout: self.opts.request_timeout,
        })
    }
}
