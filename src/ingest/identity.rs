//! What a log's file name says about its owner: pod, namespace and container (kubelet and
//! `/var/log/containers` layouts), restart number, a previous instance, a Docker container id.

use super::artifact::{Artifact, LogItem};

/// What a log's path says about its owner.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct LogIdentity {
    pub(super) namespace: Option<String>,
    pub(super) pod: Option<String>,
    pub(super) container: Option<String>,
    pub(super) restart: Option<u32>,
    pub(super) previous: bool,
    pub(super) container_id: Option<String>,
    pub(super) stem: String,
}

impl LogIdentity {
    /// The scanned log, owned by what this identity names.
    pub(super) fn into_log(self, scan: crate::incident::LogScan) -> Artifact {
        Artifact::Log(LogItem {
            namespace: self.namespace,
            pod: self.pod,
            container: self.container,
            container_id: self.container_id,
            stem: self.stem,
            scan,
        })
    }

    /// Docker json-file lines carry pod identity in `attrs` when dockerd logs the kubelet's
    /// labels (`--log-opt labels=io.kubernetes.pod.name,…`).
    pub(super) fn read_docker_attrs(&mut self, first_line: &str) {
        #[derive(serde::Deserialize)]
        struct Line {
            attrs: std::collections::HashMap<String, String>,
        }
        let Ok(l) = serde_json::from_str::<Line>(first_line) else {
            return;
        };
        let get = |k: &str| l.attrs.get(k).filter(|v| !v.is_empty()).cloned();
        if let Some(pod) = get("io.kubernetes.pod.name") {
            self.pod = Some(pod);
            self.namespace = get("io.kubernetes.pod.namespace");
            self.container = get("io.kubernetes.container.name");
            if let Some(c) = &self.container {
                self.stem = c.clone();
            }
        }
    }

    /// Recognises `/var/log/pods/<ns>_<pod>_<uid>/<container>/<N>.log[.<ts>][.gz]`,
    /// `/var/log/containers/<pod>_<ns>_<container>-<id>.log`, and `NAME[.-_]previous.log`.
    pub(crate) fn from_path(name: &str) -> LogIdentity {
        let path = name.rsplit('!').next().unwrap_or(name);
        let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
        let file = parts.last().copied().unwrap_or(name);
        let base = file.strip_suffix(".gz").unwrap_or(file);
        // CRI layout
        if parts.len() >= 3 {
            let (dir, container) = (parts[parts.len() - 3], parts[parts.len() - 2]);
            let num: String = base.chars().take_while(char::is_ascii_digit).collect();
            let dir_parts: Vec<&str> = dir.split('_').collect();
            if !num.is_empty() && base[num.len()..].starts_with(".log") && dir_parts.len() == 3 {
                return LogIdentity {
                    namespace: Some(dir_parts[0].to_string()),
                    pod: Some(dir_parts[1].to_string()),
                    container: Some(container.to_string()),
                    restart: num.parse().ok(),
                    previous: false,
                    container_id: None,
                    stem: container.to_string(),
                };
            }
        }
        // /var/log/containers/<pod>_<ns>_<container>-<64 hex>.log
        if let Some(stem) = base.strip_suffix(".log") {
            let f: Vec<&str> = stem.split('_').collect();
            if f.len() == 3 {
                if let Some((c, id)) = f[2].rsplit_once('-') {
                    if id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit()) {
                        return LogIdentity {
                            namespace: Some(f[1].to_string()),
                            pod: Some(f[0].to_string()),
                            container: Some(c.to_string()),
                            restart: None,
                            previous: false,
                            container_id: None,
                            stem: c.to_string(),
                        };
                    }
                }
            }
        }
        // /var/lib/docker/containers/<id>/<id>-json.log: the id maps to a pod status.
        if let Some(id) = base.strip_suffix("-json.log") {
            if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return LogIdentity {
                    container_id: Some(id.to_string()),
                    stem: id[..12].to_string(),
                    ..Default::default()
                };
            }
        }
        let mut stem = base;
        for ext in [".log", ".txt", ".out"] {
            stem = stem.strip_suffix(ext).unwrap_or(stem);
        }
        let mut previous = false;
        for suffix in [".previous", "-previous", "_previous", ".prev", "-prev"] {
            if let Some(s) = stem.strip_suffix(suffix) {
                stem = s;
                previous = true;
                break;
            }
        }
        LogIdentity {
            previous,
            stem: stem.to_string(),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities() {
        let id = LogIdentity::from_path("/var/log/pods/shop_api-7d9-x2x9k_1234-abcd/app/3.log");
        assert_eq!(id.namespace.as_deref(), Some("shop"));
        assert_eq!(id.pod.as_deref(), Some("api-7d9-x2x9k"));
        assert_eq!(id.container.as_deref(), Some("app"));
        assert_eq!(id.restart, Some(3));
        let id = LogIdentity::from_path("dump/checkout.previous.log");
        assert!(id.previous);
        assert_eq!(id.stem, "checkout");
        let id = LogIdentity::from_path(&format!(
            "/var/log/containers/api-1_shop_app-{}.log",
            "a".repeat(64)
        ));
        assert_eq!(id.container.as_deref(), Some("app"));
        assert_eq!(id.namespace.as_deref(), Some("shop"));
    }
}
