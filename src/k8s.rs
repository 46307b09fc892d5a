//! Kubernetes vocabulary the engine relies on: kubelet reason strings, in one place.

/// Waiting reasons of a container whose image the kubelet cannot pull or inspect (except
/// `InvalidImageName` and `ErrImageNeverPull`, which say more and have rules of their own).
pub(crate) const IMAGE_PULL_WAITING_REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "RegistryUnavailable",
    "ImageInspectError",
    "SignatureValidationFailed",
];
