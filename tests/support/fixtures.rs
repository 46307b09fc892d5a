//! Realistic Pod and Event JSON for tests, plus the small time helpers the fake apiserver
//! shares: [`pod_json`] with [`Ctr`] builders for the container states that lead to BackOff,
//! [`event_json`]/[`backoff_event`] shaped like kubelet's core/v1 events, and stable uids.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

pub(crate) fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// FNV-1a, for stable fake uids and names.
pub(crate) fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// A stable UUID-shaped uid for namespace/name.
pub fn uid_for(ns: &str, name: &str) -> String {
    let (a, b) = (hash(&format!("{ns}/{name}")), hash(&format!("{name}/{ns}")));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds (Hinnant's civil-from-days).
pub fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let z = days + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Parses the `YYYY-MM-DDTHH:MM:SS` prefix of an RFC 3339 UTC time.
pub fn parse_time(s: &str) -> Option<i64> {
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(days * 86400 + n(11..13)? * 3600 + n(14..16)? * 60 + n(17..19)?)
}

/// kubectl's `HumanDuration` of the time since `t`.
pub fn human_age(t: i64) -> String {
    let s = now() - t;
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    match s {
        _ if s < -1 => "<invalid>".into(),
        _ if s < 0 => "0s".into(),
        _ if s < 120 => format!("{s}s"),
        _ if m < 10 && s % 60 != 0 => format!("{m}m{}s", s % 60),
        _ if m < 180 => format!("{m}m"),
        _ if h < 8 && m % 60 != 0 => format!("{h}h{}m", m % 60),
        _ if h < 48 => format!("{h}h"),
        _ if h < 192 && h % 24 != 0 => format!("{d}d{}h", h % 24),
        _ if d < 730 => format!("{d}d"),
        _ if d < 2920 && d % 365 != 0 => format!("{}y{}d", d / 365, d % 365),
        _ => format!("{}y", d / 365),
    }
}

/// The `{pod}` placeholder in container messages becomes `name_namespace(uid)` in [`pod_json`].
const POD: &str = "{pod}";

/// A container (spec + status) for [`pod_json`]; starts running and ready.
#[derive(Clone, Debug)]
pub struct Ctr {
    init: bool,
    image: String,
    status: Value,
}

impl Ctr {
    pub fn new(name: &str) -> Ctr {
        let image = format!("registry.example.com/{name}:1.0");
        let status = json!({"name": name, "image": image, "imageID": "", "restartCount": 0,
            "ready": true, "started": true, "state": {"running": {"startedAt": rfc3339(now() - 3600)}},
            "lastState": {}, "containerID": format!("containerd://{:016x}", hash(name))});
        Ctr {
            init: false,
            image,
            status,
        }
    }
    /// Makes it an init container.
    pub fn init(mut self) -> Ctr {
        self.init = true;
        self
    }
    pub fn image(mut self, image: &str) -> Ctr {
        self.image = image.to_string();
        self.status["image"] = json!(image);
        self
    }
    pub fn restarts(mut self, n: u32) -> Ctr {
        self.status["restartCount"] = json!(n);
        self
    }
    pub fn running(mut self) -> Ctr {
        self.status["state"] = json!({"running": {"startedAt": rfc3339(now() - 3600)}});
        self.status["ready"] = json!(true);
        self.status["started"] = json!(true);
        self
    }
    /// `state.waiting` with this reason and message; not ready.
    pub fn waiting(mut self, reason: &str, message: &str) -> Ctr {
        self.status["state"] = json!({"waiting": {"reason": reason, "message": message}});
        self.status["ready"] = json!(false);
        self.status["started"] = json!(false);
        self
    }
    /// `lastState.terminated` (reason, exit code), finished 40 s ago.
    pub fn last_terminated(mut self, reason: &str, exit_code: i32) -> Ctr {
        self.status["lastState"] = json!({"terminated": {"exitCode": exit_code, "reason": reason,
            "startedAt": rfc3339(now() - 45), "finishedAt": rfc3339(now() - 40),
            "containerID": self.status["containerID"]}});
        self
    }
    pub fn oom_killed(self) -> Ctr {
        self.last_terminated("OOMKilled", 137)
    }
    /// Waiting in CrashLoopBackOff (`back-off {delay} restarting failed container=…`); adds a
    /// `lastState.terminated` Error/1 unless one is set, and at least one restart.
    pub fn crash_loop(self, delay: &str) -> Ctr {
        let name = str_of(&self.status["name"]);
        let msg = format!("back-off {delay} restarting failed container={name} pod={POD}");
        let mut c = self.waiting("CrashLoopBackOff", &msg);
        if !c.status["lastState"]["terminated"].is_object() {
            c = c.last_terminated("Error", 1);
        }
        if c.status["restartCount"] == 0 {
            c = c.restarts(1);
        }
        c
    }
    pub fn err_image_pull(self) -> Ctr {
        let img = self.image.clone();
        self.waiting(
            "ErrImagePull",
            &format!(
                "rpc error: code = NotFound desc = failed to pull and unpack image \
            \"{img}\": failed to resolve reference \"{img}\": {img}: not found"
            ),
        )
    }
    pub fn image_pull_back_off(self) -> Ctr {
        let img = self.image.clone();
        self.waiting(
            "ImagePullBackOff",
            &format!("Back-off pulling image \"{img}\""),
        )
    }
    /// e.g. `secret "db-creds" not found`
    pub fn create_container_config_error(self, message: &str) -> Ctr {
        self.waiting("CreateContainerConfigError", message)
    }
}

/// A realistic Pod (uid from [`uid_for`], node `node-1`, created an hour ago) with these containers.
pub fn pod_json(ns: &str, name: &str, containers: impl IntoIterator<Item = Ctr>) -> Value {
    let uid = uid_for(ns, name);
    let pod_ref = format!("{name}_{ns}({uid})");
    let (mut specs, mut inits, mut statuses, mut init_statuses) = (vec![], vec![], vec![], vec![]);
    for c in containers {
        let spec = json!({"name": c.status["name"], "image": c.image, "imagePullPolicy": "IfNotPresent",
            "terminationMessagePolicy": "File", "resources": {}});
        let status: Value =
            serde_json::from_str(&c.status.to_string().replace(POD, &pod_ref)).unwrap();
        let (specs, statuses) = if c.init {
            (&mut inits, &mut init_statuses)
        } else {
            (&mut specs, &mut statuses)
        };
        specs.push(spec);
        statuses.push(status);
    }
    let ready = statuses.iter().all(|s| s["ready"] == true);
    let started = statuses
        .iter()
        .any(|s| s["state"]["running"].is_object() || s["restartCount"] != 0);
    let created = rfc3339(now() - 3600);
    let cond = |t: &str, ok: bool| {
        json!({"type": t, "status": if ok { "True" } else { "False" },
        "lastTransitionTime": created})
    };
    let ip = format!("10.244.{}.{}", hash(&uid) % 200, hash(name) % 250 + 2);
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": uid, "creationTimestamp": created,
            "labels": {"app": name}},
        "spec": {"containers": specs, "initContainers": inits, "nodeName": "node-1", "restartPolicy": "Always"},
        "status": {"phase": if started { "Running" } else { "Pending" }, "hostIP": "10.0.0.1",
            "hostIPs": [{"ip": "10.0.0.1"}], "podIP": ip, "podIPs": [{"ip": ip}], "startTime": created, "qosClass": "BestEffort",
            "conditions": [cond("PodScheduled", true), cond("Initialized", true), cond("ContainersReady", ready), cond("Ready", ready)],
            "containerStatuses": statuses, "initContainerStatuses": init_statuses}})
}

/// A kubelet core/v1 event about `pod` (and `container`, if any). The name is
/// `<pod>.<hash of reason/container/message>`, so re-adding with a higher `count` updates it
/// the way client-go's correlator does.
pub fn event_json(
    pod: &Value,
    container: Option<&str>,
    type_: &str,
    reason: &str,
    message: &str,
    count: u32,
) -> Value {
    let m = &pod["metadata"];
    let (ns, name) = (str_of(&m["namespace"]), str_of(&m["name"]));
    let mut involved =
        json!({"kind": "Pod", "namespace": ns, "name": name, "uid": m["uid"], "apiVersion": "v1"});
    if let Some(c) = container {
        involved["fieldPath"] = json!(format!("spec.containers{{{c}}}"));
    }
    let id = hash(&format!("{reason}/{}/{message}", container.unwrap_or("")));
    json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{name}.{id:016x}"), "namespace": ns},
        "involvedObject": involved, "reason": reason, "message": message, "type": type_, "count": count,
        "firstTimestamp": rfc3339(now() - 600), "lastTimestamp": rfc3339(now() - 30), "eventTime": null,
        "source": {"component": "kubelet", "host": "node-1"}, "reportingComponent": "kubelet",
        "reportingInstance": "node-1"})
}

/// Warning `BackOff`: `Back-off restarting failed container app in pod name_ns(uid)`.
pub fn backoff_event(pod: &Value, container: &str, count: u32) -> Value {
    let m = &pod["metadata"];
    let msg = format!(
        "Back-off restarting failed container {container} in pod {}_{}({})",
        str_of(&m["name"]),
        str_of(&m["namespace"]),
        str_of(&m["uid"])
    );
    event_json(pod, Some(container), "Warning", "BackOff", &msg, count)
}
