//! A fake Kubernetes API server over real HTTP, for tests only (never in the shipped binary).
//!
//! [`FakeApiServer::start`] serves plain HTTP/1.1 on `127.0.0.1:<random port>` with hyper 1 on
//! the calling tokio runtime. Tests drive its state ([`set_pod`](FakeApiServer::set_pod),
//! [`add_event`](FakeApiServer::add_event), [`set_log`](FakeApiServer::set_log), faults) while
//! a client — kube-rs, `kubectl`, or a raw HTTP client — talks to it through a kubeconfig from
//! [`write_kubeconfig`](FakeApiServer::write_kubeconfig). The wire behaviour follows the
//! contract in `shared/reference/kubernetes-and-rust.md` §1.8 (established there against kube
//! 5.0.0 and kubectl 1.33); `tests/fake_apiserver.rs` checks this fake with the real kubectl and
//! a raw HTTP client.
//!
//! ```ignore
//! #[path = "support/fake_apiserver.rs"]
//! mod fake_apiserver;
//! use fake_apiserver::*;
//!
//! let srv = FakeApiServer::start().await;
//! let pod = pod_json("default", "crashy", [Ctr::new("app").crash_loop("40s").oom_killed().restarts(3)]);
//! srv.set_pod(pod.clone());
//! srv.add_event(backoff_event(&pod, "app", 5));
//! srv.set_log("default", "crashy", "app", true, "starting\nKilled\n");
//! let kubeconfig = srv.write_kubeconfig(tmp.path()); // → kube::Config / kubectl --kubeconfig
//! ```
//!
//! Builders for realistic pod and event JSON live in `fixtures.rs` (re-exported here); the
//! kubectl Table printing in `tables.rs`.
//!
//! What it fakes:
//! - discovery: `/version` (minor `33`, so the kubectl dispatcher picks kubectl 1.33), `/api`,
//!   `/apis`, `/api/v1`, `/apis/apps/v1`, and `/apis/events.k8s.io/v1` (switchable);
//! - pods and core/v1 events: get, namespaced and all-namespaces list (`limit`/`continue`,
//!   `labelSelector`, `fieldSelector` with `=`/`==`/`!=` on any dotted JSON path) and chunked
//!   `watch=true` streams, one JSON event per `\n` line: ADDED/MODIFIED/DELETED, BOOKMARK
//!   (`allowWatchBookmarks`, also sent before a `timeoutSeconds` close), replay after
//!   `resourceVersion` from a bounded history, and the in-stream `ERROR` 410 `Expired` that a
//!   real server sends (status 200) when the RV is too old; `sendInitialEvents=true` (streaming
//!   lists) ends its initial ADDED burst with the `k8s.io/initial-events-end` bookmark;
//! - events.k8s.io/v1 events as a second view of the same storage (`regarding`/`note`/…), with
//!   create (POST) and JSON merge-patch (PATCH) as `kube::runtime::events::Recorder` does;
//! - `meta.k8s.io/v1` Tables for pods and events when the `Accept` header asks (kubectl), so
//!   `kubectl get pods` prints NAME/READY/STATUS/RESTARTS/AGE like a real cluster;
//! - `pods/{name}/log` (`container`, `previous`, `tailLines`, `limitBytes`) with the kubelet's
//!   400 messages (a previous log exists only if set with `set_log(.., true, ..)`; like kubelet,
//!   the current log of a container waiting after a crash is the previous instance's); namespaces (get/list); empty lists for nodes, services, RCs and apps/v1 (all
//!   that `kubectl cluster-info dump` asks for);
//! - faults: 403 Forbidden per (resource, verb), expired resource versions, dropped or ended
//!   watch connections, `pods/log` requests that never answer ([`hang_log`](FakeApiServer::hang_log));
//!   and a log of every request.
//!
//! What it does not fake: authentication, TLS, protobuf and aggregated discovery (it answers
//! JSON, which clients accept), set-based label selectors, `follow=true` log streaming (the
//! current text is returned and the stream ends), server-side apply/strategic merge (PATCH is a
//! JSON merge patch), consistent snapshots across `continue` pages, objects leaving a watch's
//! selector (no synthetic DELETED), RVs newer than the server's, PUT/DELETE over HTTP (tests
//! change state through the handle), and any resource not listed.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::{header, Method, Request, Response};
use serde_json::{json, Value};
use tokio::sync::mpsc;

#[path = "fixtures.rs"]
pub mod fixtures;
#[path = "tables.rs"]
mod tables;

pub use fixtures::*;
use tables::table;

/// The user named in 403 messages.
pub const USER: &str = "system:serviceaccount:default:podmortem";
/// How many watch events are kept for `resourceVersion` replay; older RVs get 410.
const HISTORY: usize = 1000;

type RespBody = BoxBody<Bytes, io::Error>;
type Key = (String, String);

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Path and query, e.g. `/api/v1/namespaces/default/pods?&limit=500`.
    pub uri: String,
    pub accept: Option<String>,
    pub user_agent: Option<String>,
}

/// Which stored collection a watch or history entry concerns.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Store {
    Pods,
    Events,
}

/// Handle to a running fake; the server stops when this is dropped.
pub struct FakeApiServer {
    state: Arc<Mutex<State>>,
    addr: SocketAddr,
    accept_loop: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct State {
    rv: u64,
    /// Watches from an RV below this get the in-stream 410.
    floor: u64,
    pods: BTreeMap<Key, Value>,
    /// Stored in core/v1 form; events.k8s.io/v1 is a view.
    events: BTreeMap<Key, Value>,
    namespaces: BTreeSet<String>,
    history: VecDeque<(u64, Store, &'static str, Value)>,
    watchers: Vec<Watcher>,
    next_watcher: u64,
    logs: HashMap<(String, String, String, bool), String>,
    /// Pods whose `pods/log` requests never answer.
    hung_logs: HashSet<(String, String)>,
    denied: HashSet<(String, String)>,
    no_events_k8s_io: bool,
    requests: Vec<RecordedRequest>,
}

struct Watcher {
    id: u64,
    store: Store,
    v1_events: bool,
    ns: Option<String>,
    labels: Vec<Sel>,
    fields: Vec<Sel>,
    table: bool,
    bookmarks: bool,
    tx: mpsc::UnboundedSender<io::Result<Bytes>>,
}

/// One `key=value` / `key!=value` / `key` term of a label or field selector.
struct Sel(String, Option<(bool, String)>);

impl FakeApiServer {
    /// Binds `127.0.0.1:0` and serves on the current tokio runtime.
    pub async fn start() -> FakeApiServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local_addr");
        let st = State {
            namespaces: ["default", "kube-system", "kube-public"]
                .map(String::from)
                .into(),
            ..State::default()
        };
        let state = Arc::new(Mutex::new(st));
        let shared = state.clone();
        let accept_loop = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(handle(&state, req).await) }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, svc)
                        .await;
                });
            }
        });
        FakeApiServer {
            state,
            addr,
            accept_loop,
        }
    }

    /// `http://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Writes `dir/kubeconfig` (context `fake`, namespace `default`, no auth) and returns its path.
    pub fn write_kubeconfig(&self, dir: &Path) -> PathBuf {
        write_kubeconfig_for(&dir.join("kubeconfig"), &self.url(), "{}", Some("default"))
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Adds or replaces a pod (`metadata.namespace` defaults to `default`); returns its new RV.
    pub fn set_pod(&self, pod: Value) -> u64 {
        rv_of(&self.st().upsert(Store::Pods, pod))
    }

    /// Removes a pod and sends DELETED; returns the deletion RV (None if it did not exist).
    pub fn delete_pod(&self, ns: &str, name: &str) -> Option<u64> {
        self.st().delete(Store::Pods, ns, name)
    }

    /// Adds or replaces (same namespace/name) a core/v1 or events.k8s.io/v1 event.
    pub fn add_event(&self, event: Value) -> u64 {
        let event = if event["apiVersion"] == "events.k8s.io/v1" {
            convert_event(&event, false)
        } else {
            event
        };
        rv_of(&self.st().upsert(Store::Events, event))
    }

    pub fn delete_event(&self, ns: &str, name: &str) -> Option<u64> {
        self.st().delete(Store::Events, ns, name)
    }

    /// All stored events, core/v1 form (including those the client POSTed).
    pub fn events(&self) -> Vec<Value> {
        self.st().events.values().cloned().collect()
    }

    pub fn add_namespace(&self, ns: &str) {
        self.st().namespaces.insert(ns.to_string());
    }

    /// Log text of a container's current (`previous = false`) or previous instance.
    pub fn set_log(&self, ns: &str, pod: &str, container: &str, previous: bool, text: &str) {
        let key = (
            ns.to_string(),
            pod.to_string(),
            container.to_string(),
            previous,
        );
        self.st().logs.insert(key, text.to_string());
    }

    /// Makes every `pods/log` request for this pod hang: accepted, never answered (a stalled
    /// kubelet or a proxy that lost the stream).
    pub fn hang_log(&self, ns: &str, pod: &str) {
        self.st()
            .hung_logs
            .insert((ns.to_string(), pod.to_string()));
    }

    /// Current global resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.st().rv
    }

    /// Watches that start from an RV below `rv` get `200` + an `ERROR` 410 `Expired` line.
    pub fn expire_resource_versions_before(&self, rv: u64) {
        let mut st = self.st();
        st.floor = st.floor.max(rv);
    }

    /// Aborts every open watch mid-stream (connection closed without the final chunk).
    pub fn drop_watch_connections(&self) {
        for w in self.st().watchers.drain(..) {
            let _ = w.tx.send(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "dropped",
            )));
        }
    }

    /// Ends every open watch cleanly, as a server-side timeout does.
    pub fn end_watch_connections(&self) {
        self.st().watchers.clear();
    }

    /// Number of open watch streams.
    pub fn open_watches(&self) -> usize {
        let mut st = self.st();
        st.watchers.retain(|w| !w.tx.is_closed());
        st.watchers.len()
    }

    /// Sends a BOOKMARK at the current RV to every watch that allowed bookmarks.
    pub fn send_bookmarks(&self) {
        let mut st = self.st();
        let rv = st.rv;
        st.watchers
            .retain(|w| !w.bookmarks || w.tx.send(Ok(bookmark(w, rv, false))).is_ok());
    }

    /// Answers 403 Forbidden for `verb` (`get`, `list`, `watch`, `create`, `patch`, or `*`) on
    /// `resource` (`pods`, `pods/log`, `events`, `namespaces`, …).
    pub fn deny(&self, resource: &str, verb: &str) {
        self.st()
            .denied
            .insert((resource.to_string(), verb.to_string()));
    }

    pub fn allow_all(&self) {
        self.st().denied.clear();
    }

    /// Whether `events.k8s.io/v1` is served and advertised (default: yes).
    pub fn serve_events_k8s_io(&self, on: bool) {
        self.st().no_events_k8s_io = !on;
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.st().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.st().requests.clear();
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        self.accept_loop.abort();
        if let Ok(mut st) = self.state.lock() {
            st.watchers.clear(); // open watches end cleanly
        }
    }
}

impl State {
    fn map(&mut self, store: Store) -> &mut BTreeMap<Key, Value> {
        match store {
            Store::Pods => &mut self.pods,
            Store::Events => &mut self.events,
        }
    }

    /// Stores `obj` with a new RV (filling in kind, namespace, name, uid, creation time),
    /// publishes ADDED or MODIFIED and returns the stored object.
    fn upsert(&mut self, store: Store, mut obj: Value) -> Value {
        self.rv += 1;
        let rv = self.rv;
        if !obj.is_object() {
            obj = json!({});
        }
        let (kind, default_name) = match store {
            Store::Pods => ("Pod", "pod"),
            Store::Events => ("Event", "event"),
        };
        obj["apiVersion"] = json!("v1");
        obj["kind"] = json!(kind);
        let meta = &mut obj["metadata"];
        if meta["namespace"].as_str().is_none() {
            meta["namespace"] = json!("default");
        }
        if meta["name"].as_str().is_none() {
            let prefix = meta["generateName"].as_str().unwrap_or(default_name);
            meta["name"] = json!(format!("{prefix}{:05x}", hash(&rv.to_string()) & 0xfffff));
        }
        let (ns, name) = (str_of(&meta["namespace"]), str_of(&meta["name"]));
        if meta["uid"].as_str().is_none() {
            meta["uid"] = json!(uid_for(&ns, &name));
        }
        if meta["creationTimestamp"].as_str().is_none() {
            meta["creationTimestamp"] = json!(rfc3339(now()));
        }
        meta["resourceVersion"] = json!(rv.to_string());
        self.namespaces.insert(ns.clone());
        let old = self.map(store).insert((ns, name), obj.clone());
        self.publish(
            store,
            if old.is_some() { "MODIFIED" } else { "ADDED" },
            obj.clone(),
        );
        obj
    }

    fn delete(&mut self, store: Store, ns: &str, name: &str) -> Option<u64> {
        let mut obj = self
            .map(store)
            .remove(&(ns.to_string(), name.to_string()))?;
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.publish(store, "DELETED", obj);
        Some(self.rv)
    }

    fn publish(&mut self, store: Store, kind: &'static str, obj: Value) {
        self.watchers.retain(|w| match render(w, kind, &obj) {
            Some(line) => w.tx.send(Ok(line)).is_ok(),
            None => !w.tx.is_closed(),
        });
        self.history.push_back((self.rv, store, kind, obj));
        if self.history.len() > HISTORY {
            let (old, ..) = self.history.pop_front().unwrap();
            self.floor = self.floor.max(old);
        }
    }

    fn forbidden(&self, res: &str, verb: &str) -> bool {
        [verb, "*"]
            .iter()
            .any(|v| self.denied.contains(&(res.to_string(), v.to_string())))
    }
}

/// Renders one watch line for `w`, or None if the object is not in its scope.
fn render(w: &Watcher, kind: &str, obj: &Value) -> Option<Bytes> {
    let store = if obj["kind"] == "Pod" {
        Store::Pods
    } else {
        Store::Events
    };
    let view = if w.v1_events {
        convert_event(obj, true)
    } else {
        obj.clone()
    };
    let ns_ok =
        w.ns.as_ref()
            .is_none_or(|ns| view["metadata"]["namespace"] == ns.as_str());
    if store != w.store || !ns_ok || !selects(&view, &w.labels, &w.fields) {
        return None;
    }
    let object = if w.table {
        table(store, &[view], None)
    } else {
        view
    };
    Some(line(&json!({"type": kind, "object": object})))
}

fn bookmark(w: &Watcher, rv: u64, initial_end: bool) -> Bytes {
    let (api, kind) = match (w.store, w.v1_events) {
        (Store::Pods, _) => ("v1", "Pod"),
        (Store::Events, false) => ("v1", "Event"),
        (Store::Events, true) => ("events.k8s.io/v1", "Event"),
    };
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    line(
        &json!({"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": api, "metadata": meta}}),
    )
}

fn line(v: &Value) -> Bytes {
    let mut s = v.to_string();
    s.push('\n');
    Bytes::from(s)
}

/// Body of a watch: whatever the watcher's channel yields, until its sender is dropped.
struct ChannelBody(mpsc::UnboundedReceiver<io::Result<Bytes>>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = io::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        self.0.poll_recv(cx).map(|o| o.map(|r| r.map(Frame::data)))
    }
}

fn respond(code: u16, content_type: &str, body: impl Into<Bytes>) -> Response<RespBody> {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, content_type)
        .body(Full::new(body.into()).map_err(|e| match e {}).boxed())
        .unwrap()
}

fn ok_json(code: u16, v: &Value) -> Response<RespBody> {
    respond(code, "application/json", v.to_string())
}

/// A `Status` failure as the apiserver encodes it.
pub fn status_json(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut s = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code});
    if let Some(d) = details {
        s["details"] = d;
    }
    s
}

fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> Response<RespBody> {
    ok_json(code, &status_json(code, reason, message, details))
}

fn not_found(res: &str, name: &str) -> Response<RespBody> {
    let details = json!({"name": name, "kind": res});
    status(
        404,
        "NotFound",
        &format!("{res} \"{name}\" not found"),
        Some(details),
    )
}

fn no_route() -> Response<RespBody> {
    status(
        404,
        "NotFound",
        "the server could not find the requested resource",
        None,
    )
}

fn query(uri: &hyper::Uri) -> HashMap<String, String> {
    let q = uri.query().unwrap_or("");
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len()
                && b[i + 1].is_ascii_hexdigit()
                && b[i + 2].is_ascii_hexdigit() =>
            {
                let hex = |c: u8| (c as char).to_digit(16).unwrap() as u8;
                out.push(hex(b[i + 1]) * 16 + hex(b[i + 2]));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn handle(state: &Arc<Mutex<State>>, req: Request<Incoming>) -> Response<RespBody> {
    let hdr = |h: header::HeaderName| {
        req.headers()
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let accept = hdr(header::ACCEPT);
    let as_table = accept.as_deref().is_some_and(|a| a.contains("as=Table"));
    let rec = RecordedRequest {
        method: req.method().to_string(),
        uri: req
            .uri()
            .path_and_query()
            .map_or("/".into(), |p| p.to_string()),
        accept,
        user_agent: hdr(header::USER_AGENT),
    };
    state.lock().unwrap().requests.push(rec);
    let method = req.method().clone();
    let q = query(req.uri());
    let path = req.uri().path().to_string();
    let body: Value = if method == Method::POST || method == Method::PATCH {
        let bytes = req
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) if v.is_object() => v,
            _ => {
                return status(
                    400,
                    "BadRequest",
                    "the body of the request was in an unknown format",
                    None,
                )
            }
        }
    } else {
        Value::Null
    };
    let seg: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if let ["api", "v1", "namespaces", ns, "pods", name, "log"] = seg.as_slice() {
        let hung = (state.lock().unwrap().hung_logs).contains(&(ns.to_string(), name.to_string()));
        if hung {
            std::future::pending::<()>().await;
        }
    }
    let mut st = state.lock().unwrap();
    let v1_events = !st.no_events_k8s_io;
    let (group, rest) = match seg.as_slice() {
        ["version"] => return ok_json(200, &version()),
        ["api"] => {
            return ok_json(
                200,
                &json!({"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}),
            )
        }
        ["apis"] => return ok_json(200, &api_groups(v1_events)),
        ["api", "v1", rest @ ..] => ("", rest),
        ["apis", "apps", "v1", rest @ ..] => ("apps", rest),
        ["apis", "events.k8s.io", "v1", rest @ ..] if v1_events => ("events.k8s.io", rest),
        _ => return no_route(),
    };
    let (ns, res, name, sub) = match rest {
        [] => return ok_json(200, &resource_list(group)),
        ["namespaces", ns] => (None, "namespaces", Some(*ns), None),
        [res] => (None, *res, None, None),
        ["namespaces", ns, res] => (Some(*ns), *res, None, None),
        ["namespaces", ns, res, name] => (Some(*ns), *res, Some(*name), None),
        ["namespaces", ns, res, name, sub] => (Some(*ns), *res, Some(*name), Some(*sub)),
        _ => return no_route(),
    };
    let Some(&(_, _, kind, namespaced)) = RESOURCES.iter().find(|r| r.0 == group && r.1 == res)
    else {
        return no_route();
    };
    if (ns.is_some() && !namespaced) || sub.is_some_and(|s| res != "pods" || s != "log") {
        return no_route();
    }
    let watch = matches!(q.get("watch").map(String::as_str), Some("true" | "1"));
    let verb = match (&method, name, watch) {
        (&Method::GET, Some(_), _) => "get",
        (&Method::GET, None, false) => "list",
        (&Method::GET, None, true) => "watch",
        (&Method::POST, None, _) => "create",
        (&Method::PATCH, Some(_), _) => "patch",
        _ => {
            return status(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
                None,
            )
        }
    };
    let full_res = sub.map_or(res.to_string(), |s| format!("{res}/{s}"));
    if st.forbidden(&full_res, verb) {
        let who = name.map_or(res.to_string(), |n| format!("{res} \"{n}\""));
        let scope = ns.map_or("at the cluster scope".to_string(), |ns| {
            format!("in the namespace \"{ns}\"")
        });
        let msg = format!("{who} is forbidden: User \"{USER}\" cannot {verb} resource \"{full_res}\" in API group \"{group}\" {scope}");
        let mut details = json!({"kind": res});
        if let Some(n) = name {
            details["name"] = json!(n);
        }
        if !group.is_empty() {
            details["group"] = json!(group);
        }
        return status(403, "Forbidden", &msg, Some(details));
    }
    let v1 = group == "events.k8s.io";
    let store = match res {
        "pods" => Store::Pods,
        "events" => Store::Events,
        "namespaces" if matches!(verb, "get" | "list") => return namespaces(&st, name),
        _ if verb == "list" => return ok_json(200, &list_json(group, kind, st.rv, vec![], None)),
        _ if verb == "get" => return not_found(res, name.unwrap_or_default()),
        _ => {
            return status(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
                None,
            )
        }
    };
    let view = |obj: &Value| {
        if v1 {
            convert_event(obj, true)
        } else {
            obj.clone()
        }
    };
    match (verb, name, sub) {
        ("get", Some(name), Some(_)) => logs(&st, ns.unwrap(), name, &q),
        ("get", Some(name), None) => match st
            .map(store)
            .get(&(ns.unwrap().to_string(), name.to_string()))
        {
            Some(obj) if as_table => ok_json(200, &table(store, &[view(obj)], None)),
            Some(obj) => ok_json(200, &view(obj)),
            None => not_found(res, name),
        },
        ("list", ..) => {
            let (labels, fields) = (
                parse_sel(q.get("labelSelector")),
                parse_sel(q.get("fieldSelector")),
            );
            let mut items: Vec<Value> = st
                .map(store)
                .iter()
                .filter(|((n, _), _)| ns.is_none_or(|ns| ns == n))
                .map(|(_, o)| view(o))
                .filter(|o| selects(o, &labels, &fields))
                .collect();
            let start: usize = q
                .get("continue")
                .and_then(|c| c.strip_prefix("fake-continue-")?.parse().ok())
                .unwrap_or(0);
            let limit: usize = q
                .get("limit")
                .and_then(|l| l.parse().ok())
                .filter(|&l| l > 0)
                .unwrap_or(usize::MAX);
            let total = items.len();
            items = items.into_iter().skip(start).take(limit).collect();
            let next = start.saturating_add(limit);
            let cont = (next < total).then(|| (format!("fake-continue-{next}"), total - next));
            if as_table {
                return ok_json(200, &table(store, &items, Some(st.rv)));
            }
            ok_json(200, &list_json(group, kind, st.rv, items, cont))
        }
        ("watch", ..) => start_watch(state, &mut st, store, v1, ns, as_table, &q),
        ("create", ..) => {
            let mut obj = if v1 {
                convert_event(&body, false)
            } else {
                body
            };
            obj["metadata"]["namespace"] = json!(ns.unwrap_or("default"));
            let key = (
                ns.unwrap_or("default").to_string(),
                str_of(&obj["metadata"]["name"]),
            );
            if st.map(store).contains_key(&key) {
                return status(
                    409,
                    "AlreadyExists",
                    &format!("{res} \"{}\" already exists", key.1),
                    None,
                );
            }
            let created = st.upsert(store, obj);
            ok_json(201, &view(&created))
        }
        ("patch", Some(name), None) => {
            let key = (ns.unwrap_or("default").to_string(), name.to_string());
            let Some(old) = st.map(store).get(&key).map(&view) else {
                return not_found(res, name);
            };
            let mut new = old;
            merge_patch(&mut new, &body);
            let patched = st.upsert(store, if v1 { convert_event(&new, false) } else { new });
            ok_json(200, &view(&patched))
        }
        _ => no_route(),
    }
}

fn rv_of(obj: &Value) -> u64 {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn start_watch(
    state: &Arc<Mutex<State>>,
    st: &mut State,
    store: Store,
    v1_events: bool,
    ns: Option<&str>,
    table: bool,
    q: &HashMap<String, String>,
) -> Response<RespBody> {
    let (tx, rx) = mpsc::unbounded_channel();
    st.next_watcher += 1;
    let w = Watcher {
        id: st.next_watcher,
        store,
        v1_events,
        ns: ns.map(String::from),
        labels: parse_sel(q.get("labelSelector")),
        fields: parse_sel(q.get("fieldSelector")),
        table,
        bookmarks: q.get("allowWatchBookmarks").is_some_and(|b| b == "true"),
        tx,
    };
    let initial = q.get("sendInitialEvents").is_some_and(|b| b == "true");
    let from: Option<u64> = q
        .get("resourceVersion")
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0);
    match from {
        Some(rv) if !initial && rv < st.floor => {
            let msg = format!("too old resource version: {rv} ({})", st.floor);
            let err = json!({"type": "ERROR", "object": status_json(410, "Expired", &msg, None)});
            let _ = w.tx.send(Ok(line(&err)));
            return watch_response(rx); // w (and its sender) dropped: the stream ends after the line
        }
        Some(rv) if !initial => {
            for (_, _, kind, obj) in st.history.iter().filter(|h| h.0 > rv) {
                if let Some(l) = render(&w, kind, obj) {
                    let _ = w.tx.send(Ok(l));
                }
            }
        }
        _ => {
            let map = match store {
                Store::Pods => &st.pods,
                Store::Events => &st.events,
            };
            for obj in map.values() {
                if let Some(l) = render(&w, "ADDED", obj) {
                    let _ = w.tx.send(Ok(l));
                }
            }
            if initial {
                let _ = w.tx.send(Ok(bookmark(&w, st.rv, true)));
            }
        }
    }
    if let Some(secs) = q.get("timeoutSeconds").and_then(|t| t.parse::<u64>().ok()) {
        let (state, id) = (state.clone(), w.id);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(secs)).await;
            let mut st = state.lock().unwrap();
            let rv = st.rv;
            if let Some(i) = st.watchers.iter().position(|w| w.id == id) {
                let w = st.watchers.remove(i);
                if w.bookmarks {
                    let _ = w.tx.send(Ok(bookmark(&w, rv, false)));
                }
            }
        });
    }
    st.watchers.push(w);
    watch_response(rx)
}

fn watch_response(rx: mpsc::UnboundedReceiver<io::Result<Bytes>>) -> Response<RespBody> {
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/json")
        .body(ChannelBody(rx).boxed())
        .unwrap()
}

fn logs(st: &State, ns: &str, name: &str, q: &HashMap<String, String>) -> Response<RespBody> {
    let Some(pod) = st.pods.get(&(ns.to_string(), name.to_string())) else {
        return not_found("pods", name);
    };
    let names = |field: &str| -> Vec<String> {
        pod["spec"][field]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| str_of(&c["name"]))
            .collect()
    };
    let (ctrs, inits) = (names("containers"), names("initContainers"));
    let bad = |m: String| status(400, "BadRequest", &m, None);
    let c = match q.get("container") {
        Some(c) if !c.is_empty() => c.clone(),
        _ if ctrs.len() == 1 => ctrs[0].clone(),
        _ => {
            let mut m = format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                ctrs.join(" ")
            );
            if !inits.is_empty() {
                m += &format!(" or one of the init containers: [{}]", inits.join(" "));
            }
            return bad(m);
        }
    };
    if !ctrs.contains(&c) && !inits.contains(&c) {
        return bad(format!("container {c} is not valid for pod {name}"));
    }
    let previous = q.get("previous").is_some_and(|p| p == "true");
    let log = |prev: bool| {
        st.logs
            .get(&(ns.to_string(), name.to_string(), c.clone(), prev))
    };
    let status_of = ["containerStatuses", "initContainerStatuses"]
        .iter()
        .flat_map(|f| pod["status"][f].as_array().into_iter().flatten())
        .find(|s| s["name"] == c.as_str());
    let waiting = status_of
        .map(|s| &s["state"]["waiting"])
        .filter(|w| w.is_object());
    let text = match (log(previous), previous) {
        (Some(t), _) => t,
        (None, true) => {
            return bad(format!(
                "previous terminated container \"{c}\" in pod \"{name}\" not found"
            ))
        }
        // kubelet serves the last terminated instance while the container waits to restart
        (None, false)
            if waiting.is_some()
                && status_of.is_some_and(|s| s["lastState"]["terminated"].is_object()) =>
        {
            log(true).map_or("", |s| s.as_str())
        }
        (None, false) if waiting.is_some() => {
            let reason = waiting.unwrap()["reason"].as_str().unwrap_or("");
            let why = match reason {
                "ErrImagePull" => ": image can't be pulled".to_string(),
                "ImagePullBackOff" => ": trying and failing to pull image".to_string(),
                "" => " - no logs yet".to_string(),
                r => format!(": {r}"),
            };
            return bad(format!(
                "container \"{c}\" in pod \"{name}\" is waiting to start{why}"
            ));
        }
        (None, false) => "",
    };
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    if let Some(n) = q.get("tailLines").and_then(|n| n.parse::<usize>().ok()) {
        lines.drain(..lines.len().saturating_sub(n));
    }
    let mut out = lines.concat();
    if let Some(n) = q.get("limitBytes").and_then(|n| n.parse::<usize>().ok()) {
        out.truncate(n.min(out.len()));
    }
    respond(200, "text/plain", out)
}

fn namespaces(st: &State, name: Option<&str>) -> Response<RespBody> {
    let ns_obj = |n: &str| {
        json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": n, "uid": uid_for("", n), "resourceVersion": "1",
            "creationTimestamp": "2024-01-01T00:00:00Z", "labels": {"kubernetes.io/metadata.name": n}},
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
    };
    match name {
        Some(n) if st.namespaces.contains(n) => ok_json(200, &ns_obj(n)),
        Some(n) => not_found("namespaces", n),
        None => ok_json(
            200,
            &list_json(
                "",
                "Namespace",
                st.rv,
                st.namespaces.iter().map(|n| ns_obj(n)).collect(),
                None,
            ),
        ),
    }
}

/// (group, resource, kind, namespaced) — everything the fake knows how to list.
const RESOURCES: &[(&str, &str, &str, bool)] = &[
    ("", "pods", "Pod", true),
    ("", "events", "Event", true),
    ("", "namespaces", "Namespace", false),
    ("", "nodes", "Node", false),
    ("", "services", "Service", true),
    ("", "replicationcontrollers", "ReplicationController", true),
    ("apps", "daemonsets", "DaemonSet", true),
    ("apps", "deployments", "Deployment", true),
    ("apps", "replicasets", "ReplicaSet", true),
    ("events.k8s.io", "events", "Event", true),
];

fn group_version(group: &str) -> String {
    if group.is_empty() {
        "v1".into()
    } else {
        format!("{group}/v1")
    }
}

fn list_json(
    group: &str,
    kind: &str,
    rv: u64,
    items: Vec<Value>,
    cont: Option<(String, usize)>,
) -> Value {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some((token, remaining)) = cont {
        meta["continue"] = json!(token);
        meta["remainingItemCount"] = json!(remaining);
    }
    json!({"kind": format!("{kind}List"), "apiVersion": group_version(group), "metadata": meta, "items": items})
}

fn version() -> Value {
    json!({"major": "1", "minor": "33", "emulationMajor": "1", "emulationMinor": "33",
        "gitVersion": "v1.33.0", "gitCommit": "60a317eadfcb839692a68eab88b2096f4d708f4f",
        "gitTreeState": "clean", "buildDate": "2025-04-23T13:00:00Z", "goVersion": "go1.24.2",
        "compiler": "gc", "platform": "linux/amd64"})
}

fn api_groups(v1_events: bool) -> Value {
    let group = |g: &str| {
        let gv = json!({"groupVersion": format!("{g}/v1"), "version": "v1"});
        json!({"name": g, "versions": [gv], "preferredVersion": gv})
    };
    let mut groups = vec![group("apps")];
    if v1_events {
        groups.push(group("events.k8s.io"));
    }
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn resource_list(group: &str) -> Value {
    let mut resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.0 == group)
        .map(|&(_, name, kind, namespaced)| {
            let verbs = match name {
                "pods" => json!(["get", "list", "watch"]),
                "events" => json!(["create", "get", "list", "patch", "watch"]),
                _ => json!(["get", "list"]),
            };
            let short = match name {
                "pods" => json!(["po"]),
                "events" => json!(["ev"]),
                "namespaces" => json!(["ns"]),
                "nodes" => json!(["no"]),
                "services" => json!(["svc"]),
                "replicationcontrollers" => json!(["rc"]),
                "daemonsets" => json!(["ds"]),
                "deployments" => json!(["deploy"]),
                _ => json!(["rs"]),
            };
            json!({"name": name, "singularName": kind.to_lowercase(), "namespaced": namespaced,
            "kind": kind, "verbs": verbs, "shortNames": short})
        })
        .collect();
    if group.is_empty() {
        resources.push(json!({"name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]}));
    }
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version(group), "resources": resources})
}

/// core/v1 field ↔ events.k8s.io/v1 field; both views share one storage.
const EVENT_FIELDS: &[(&str, &str)] = &[
    ("metadata", "metadata"),
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("reason", "reason"),
    ("type", "type"),
    ("count", "deprecatedCount"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("source", "deprecatedSource"),
    ("eventTime", "eventTime"),
    ("series", "series"),
    ("reportingComponent", "reportingController"),
    ("reportingInstance", "reportingInstance"),
    ("action", "action"),
    ("related", "related"),
];

/// Converts an event between core/v1 (`to_v1 = false`) and events.k8s.io/v1 (`to_v1 = true`).
fn convert_event(ev: &Value, to_v1: bool) -> Value {
    let (api, mut out) = if to_v1 {
        ("events.k8s.io/v1", json!({}))
    } else {
        ("v1", json!({}))
    };
    out["apiVersion"] = json!(api);
    out["kind"] = json!("Event");
    for (core, v1) in EVENT_FIELDS {
        let (from, to) = if to_v1 { (core, v1) } else { (v1, core) };
        let from = if ev["apiVersion"] == api { to } else { from }; // already in the target form
        if !ev[*from].is_null() {
            out[*to] = ev[*from].clone();
        }
    }
    out
}

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Some(p) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    for (k, v) in p {
        if v.is_null() {
            target.as_object_mut().unwrap().remove(k);
        } else {
            merge_patch(&mut target[k], v);
        }
    }
}

fn parse_sel(s: Option<&String>) -> Vec<Sel> {
    s.map_or("", |s| s.as_str())
        .split(',')
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            let t = t.trim();
            if let Some((k, v)) = t.split_once("!=") {
                Sel(k.into(), Some((false, v.into())))
            } else if let Some((k, v)) = t.split_once("==").or_else(|| t.split_once('=')) {
                Sel(k.into(), Some((true, v.into())))
            } else {
                Sel(t.into(), None)
            }
        })
        .collect()
}

/// Label selectors look in `metadata.labels`; field selectors follow a dotted path.
fn selects(obj: &Value, labels: &[Sel], fields: &[Sel]) -> bool {
    let check = |sel: &Sel, found: Option<String>| match &sel.1 {
        None => found.is_some(),
        Some((eq, want)) => (found.as_deref().unwrap_or("") == want) == *eq,
    };
    let text = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        v => Some(v.to_string()),
    };
    labels
        .iter()
        .all(|s| check(s, text(&obj["metadata"]["labels"][&s.0])))
        && fields
            .iter()
            .all(|s| check(s, text(s.0.split('.').fold(obj, |v, k| &v[k]))))
}

/// Writes a kubeconfig at `path` with one context `fake` for `server`, the user `user` (YAML
/// flow mapping) and the context's namespace, if any, and returns the path.
pub fn write_kubeconfig_for(
    path: &Path,
    server: &str,
    user: &str,
    namespace: Option<&str>,
) -> PathBuf {
    let namespace = namespace
        .map(|n| format!(", namespace: {n}"))
        .unwrap_or_default();
    let yaml = format!(
        "apiVersion: v1\nkind: Config\n\
         clusters: [{{name: fake, cluster: {{server: \"{server}\"}}}}]\n\
         users: [{{name: fake, user: {user}}}]\n\
         contexts: [{{name: fake, context: {{cluster: fake, user: fake{namespace}}}}}]\n\
         current-context: fake\n"
    );
    std::fs::write(path, yaml).expect("write kubeconfig");
    path.to_path_buf()
}

/// A kubeconfig user whose exec credential plugin fails, with `TOKEN` in its arguments, its
/// environment, its stdout and its stderr: none of them may reach a message.
pub const FAILING_EXEC_PLUGIN_USER: &str = "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, \
    command: sh, args: [\"-c\", \"echo stdout-TOKEN-1234; echo stderr-TOKEN-5678 >&2; exit 7\", \"arg-TOKEN-90\"], \
    env: [{name: PLUGIN_SECRET, value: env-TOKEN-4242}], interactiveMode: Never}}";

/// The URL of a port on 127.0.0.1 that nothing listens on (it was free a moment ago).
pub fn unreachable_server() -> (String, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    (format!("http://127.0.0.1:{port}"), port)
}
