//! Start-up requests: the preflight checks that turn a missing namespace or a missing
//! permission into a clear fatal error, and the deadline every start-up request runs under.

use std::future::Future;

use k8s_openapi::api::core::v1::{Event, Namespace, Pod};
use kube::api::{ListParams, ObjectList, WatchParams};
use kube::Api;

use super::error::{classify, Access};
use super::{WatchError, Watcher};

impl Watcher {
    /// Start-up checks that turn into clear fatal errors: the namespace exists, and (for
    /// `watch`, whose watchers would otherwise retry a 403 forever) pods and events can be
    /// listed and watched. `--once` lists anyway, so it stops after the namespace check.
    ///
    /// [`run`](Self::run) and [`once`](Self::once) do this themselves; calling it first lets a
    /// caller fail fast while it prepares something else (the CLI compiles the engine).
    pub async fn preflight(&self, watch: bool) -> Result<(), WatchError> {
        if let Some(ns) = self.ns() {
            let nss: Api<Namespace> = Api::all(self.client.clone());
            let access = self.access("get", "namespaces");
            match self.deadline(nss.get(ns), access).await? {
                Ok(_) => {}
                Err(kube::Error::Api(s)) if s.code == 404 => {
                    return Err(WatchError::NamespaceNotFound(ns.to_string()))
                }
                // The minimal Role cannot read namespace objects: skip the check then.
                Err(kube::Error::Api(s)) if s.code == 403 => {}
                Err(e) => return Err(classify(e, access, &self.url)),
            }
        }
        if !watch {
            return Ok(());
        }
        let pods: Api<Pod> = self.api();
        let list = self
            .timed(
                pods.list_metadata(&self.pod_list_params().limit(1)),
                self.access("list", "pods"),
            )
            .await?;
        let events: Api<Event> = self.api();
        let ev_list = self
            .timed(
                events.list_metadata(&Self::event_list_params().limit(1)),
                self.access("list", "events"),
            )
            .await?;
        // Opening a watch checks the `watch` verb; the stream is dropped at once.
        let rv = |m: &Option<String>| m.clone().unwrap_or_else(|| "0".into());
        let mut wp = WatchParams::default().timeout(1);
        if let Some(s) = &self.opts.selector {
            wp = wp.labels(s);
        }
        if let Some(f) = self.node_selector() {
            wp = wp.fields(&f);
        }
        drop(
            self.timed(
                pods.watch_metadata(&wp, &rv(&list.metadata.resource_version)),
                self.access("watch", "pods"),
            )
            .await?,
        );
        let wp = WatchParams::default()
            .timeout(1)
            .fields("involvedObject.kind=Pod");
        drop(
            self.timed(
                events.watch_metadata(&wp, &rv(&ev_list.metadata.resource_version)),
                self.access("watch", "events"),
            )
            .await?,
        );
        Ok(())
    }

    /// A start-up request under the request deadline: the outer error is the timeout,
    /// reported as the API being unreachable.
    async fn deadline<T>(
        &self,
        fut: impl Future<Output = Result<T, kube::Error>>,
        access: Access<'_>,
    ) -> Result<Result<T, kube::Error>, WatchError> {
        tokio::time::timeout(self.opts.request_timeout, fut)
            .await
            .map_err(|_| WatchError::Unreachable {
                url: self.url.clone(),
                detail: format!(
                    "{} {}: no answer within {}s",
                    access.verb,
                    access.resource,
                    self.opts.request_timeout.as_secs_f64()
                ),
            })
    }

    /// [`deadline`](Self::deadline), with API errors phrased for the user.
    pub(super) async fn timed<T>(
        &self,
        fut: impl Future<Output = Result<T, kube::Error>>,
        access: Access<'_>,
    ) -> Result<T, WatchError> {
        self.deadline(fut, access)
            .await?
            .map_err(|e| classify(e, access, &self.url))
    }
}

/// Every item of a list, following `continue` pages.
pub(super) async fn list_all<K>(api: &Api<K>, lp: &ListParams) -> Result<Vec<K>, kube::Error>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut out = Vec::new();
    let mut lp = lp.clone().limit(500);
    loop {
        let page: ObjectList<K> = api.list(&lp).await?;
        out.extend(page.items);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => return Ok(out),
        }
    }
}
