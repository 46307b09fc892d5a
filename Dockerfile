# podmortem's container image: the glibc release binary on distroless `cc` (glibc, libgcc, CA
# certificates; no shell, no package manager), running as the distroless `nonroot` user.
#
#   docker build -t podmortem:0.1.0 .
#   docker run --rm podmortem:0.1.0 --version
#
# The build stage runs exactly the release build that CI runs (`.ci/run`, "release build"):
# `cargo build --release --locked` with the default features (cli, live, train) and the
# Cargo.lock in the repository. The builder is Debian 12 (bookworm), the same release as
# distroless `cc-debian12`, so the binary's glibc is the one it runs with.
# Deployment manifests that run this image: deploy/cluster and deploy/node (see README).

FROM docker.io/library/rust:1.95-bookworm AS build
WORKDIR /src
# The whole tree (minus .dockerignore): Cargo.toml names bench and tool targets whose files
# must exist for cargo to load the manifest, so no dependency-only layer trick here.
COPY . .
RUN cargo build --release --locked \
    && ./target/release/podmortem --version \
    && install -D -m 0755 target/release/podmortem /out/podmortem

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/podmortem /podmortem
# 65532:65532 is distroless' `nonroot`; numeric so `runAsNonRoot` can verify it.
USER 65532:65532
ENTRYPOINT ["/podmortem"]
CMD ["--help"]
