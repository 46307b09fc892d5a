//! Kubernetes vocabulary the engine relies on, in one place: kubelet reason strings and how
//! controllers name pods.

/// Waiting reasons of a container whose image the kubelet cannot pull or inspect (except
/// `InvalidImageName` and `ErrImageNeverPull`, which say more and have rules of their own).
pub(crate) const IMAGE_PULL_WAITING_REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "RegistryUnavailable",
    "ImageInspectError",
    "SignatureValidationFailed",
];

/// The workload a pod belongs to, from its name: `checkout-7d9f8b6c5d-x2x9k` → `checkout`; `redis-0` → `redis`; `job-abcde` → `job`.
pub fn workload_of(pod: &str) -> &str {
    let parts: Vec<&str> = pod.rsplitn(3, '-').collect();
    let is_hash = |s: &str| {
        (6..=10).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    let is_suffix = |s: &str| {
        s.len() == 5
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    match parts.as_slice() {
        [last, hash, base] if is_suffix(last) && is_hash(hash) => base,
        [last, rest @ ..]
            if !rest.is_empty() && (is_suffix(last) || last.parse::<u32>().is_ok()) =>
        {
            &pod[..pod.len() - last.len() - 1]
        }
        _ => pod,
    }
}
