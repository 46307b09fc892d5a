//! The cause taxonomy: stable identifiers that tests, JSON consumers and users depend on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a container is backing off.
///
/// The `snake_case` ids (see [`Cause::id`]) are a public contract: they appear in JSON output,
/// pattern packs and corpus labels and never change meaning.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The kernel OOM killer ended the container (limit), or the runtime ran out of heap.
    OomKilled,
    /// A liveness or startup probe failed and the kubelet restarted the container.
    LivenessProbeFailed,
    /// A referenced Secret or ConfigMap (or a key in it) does not exist.
    MissingSecretOrConfigmap,
    /// The application lacks or rejects its configuration (env var, config file, flag).
    ConfigError,
    /// The image cannot be pulled (not found, unauthorized, registry unreachable, …).
    ImagePullError,
    /// The entrypoint/command is not found or not executable (exit 126/127).
    BadCommand,
    /// The binary was built for another CPU architecture.
    ExecFormatError,
    /// File permissions, read-only root filesystem or runAsNonRoot.
    PermissionDenied,
    /// A dependency (database, broker, API) is unreachable: refused, DNS, timeout.
    DependencyUnavailable,
    /// A dependency rejects the credentials the container presents.
    CredentialsRejected,
    /// The Kubernetes API denies the pod's service account.
    RbacForbidden,
    /// The process cannot bind its port.
    PortInUse,
    /// TLS handshake or certificate verification fails.
    TlsError,
    /// A filesystem the container writes to is full.
    DiskFull,
    /// A volume cannot be attached or mounted.
    VolumeMountFailed,
    /// The process exits 0 but the pod's restartPolicy is Always.
    ExitsImmediately,
    /// An unhandled exception, panic or signal that none of the above explains.
    AppCrash,
    /// Not enough evidence to name a cause.
    Unknown,
}

impl Cause {
    /// Every cause, in declaration order (`Unknown` last).
    pub const ALL: [Cause; 18] = [
        Cause::OomKilled,
        Cause::LivenessProbeFailed,
        Cause::MissingSecretOrConfigmap,
        Cause::ConfigError,
        Cause::ImagePullError,
        Cause::BadCommand,
        Cause::ExecFormatError,
        Cause::PermissionDenied,
        Cause::DependencyUnavailable,
        Cause::CredentialsRejected,
        Cause::RbacForbidden,
        Cause::PortInUse,
        Cause::TlsError,
        Cause::DiskFull,
        Cause::VolumeMountFailed,
        Cause::ExitsImmediately,
        Cause::AppCrash,
        Cause::Unknown,
    ];

    /// The stable `snake_case` identifier.
    pub fn id(self) -> &'static str {
        match self {
            Cause::OomKilled => "oom_killed",
            Cause::LivenessProbeFailed => "liveness_probe_failed",
            Cause::MissingSecretOrConfigmap => "missing_secret_or_configmap",
            Cause::ConfigError => "config_error",
            Cause::ImagePullError => "image_pull_error",
            Cause::BadCommand => "bad_command",
            Cause::ExecFormatError => "exec_format_error",
            Cause::PermissionDenied => "permission_denied",
            Cause::DependencyUnavailable => "dependency_unavailable",
            Cause::CredentialsRejected => "credentials_rejected",
            Cause::RbacForbidden => "rbac_forbidden",
            Cause::PortInUse => "port_in_use",
            Cause::TlsError => "tls_error",
            Cause::DiskFull => "disk_full",
            Cause::VolumeMountFailed => "volume_mount_failed",
            Cause::ExitsImmediately => "exits_immediately",
            Cause::AppCrash => "app_crash",
            Cause::Unknown => "unknown",
        }
    }

    /// Position in [`Cause::ALL`]; used to index per-cause arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The finer labels (`detail`) a diagnosis of this cause may carry. Pattern packs are
    /// checked against this list, so a typo in a pack is an error rather than a label no
    /// remediation knows.
    pub fn details(self) -> &'static [&'static str] {
        match self {
            Cause::OomKilled => &["container_limit", "runtime_heap"],
            Cause::LivenessProbeFailed => &["liveness", "startup"],
            Cause::ImagePullError => &[
                "not_found",
                "unauthorized",
                "registry_unreachable",
                "rate_limited",
                "invalid_reference",
            ],
            Cause::DependencyUnavailable => &["refused", "dns", "timeout"],
            Cause::AppCrash => &["segfault", "abort"],
            Cause::Unknown => &["evicted", "run_as_non_root", "node_sysctl"],
            _ => &[],
        }
    }

    /// A short human title.
    pub fn title(self) -> &'static str {
        match self {
            Cause::OomKilled => "out of memory",
            Cause::LivenessProbeFailed => "liveness/startup probe failing",
            Cause::MissingSecretOrConfigmap => "missing Secret or ConfigMap",
            Cause::ConfigError => "bad or missing configuration",
            Cause::ImagePullError => "image cannot be pulled",
            Cause::BadCommand => "command not found or not executable",
            Cause::ExecFormatError => "binary built for another CPU architecture",
            Cause::PermissionDenied => "permission denied",
            Cause::DependencyUnavailable => "dependency unreachable",
            Cause::CredentialsRejected => "credentials rejected by a dependency",
            Cause::RbacForbidden => "Kubernetes API forbids the service account",
            Cause::PortInUse => "cannot bind its port",
            Cause::TlsError => "TLS/certificate failure",
            Cause::DiskFull => "disk full",
            Cause::VolumeMountFailed => "volume cannot be mounted",
            Cause::ExitsImmediately => "process exits successfully but restartPolicy is Always",
            Cause::AppCrash => "application crash",
            Cause::Unknown => "not enough evidence",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The error returned when a string is not a known cause id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown cause id {0:?} (expected one of: oom_killed, liveness_probe_failed, …, app_crash, unknown)")]
pub struct ParseCauseError(pub String);

impl FromStr for Cause {
    type Err = ParseCauseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cause::ALL
            .iter()
            .copied()
            .find(|c| c.id() == s)
            .ok_or_else(|| ParseCauseError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_serde() {
        for c in Cause::ALL {
            assert_eq!(c.id().parse::<Cause>().unwrap(), c);
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.id())
            );
            assert_eq!(Cause::ALL[c.index()], c);
        }
        assert!("oom".parse::<Cause>().is_err());
    }
}
