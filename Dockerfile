# syntax=docker/dockerfile:1
#
# One image per kept binary, chosen with a build argument:
#
#   docker buildx build --build-arg SERVICE=commitments \
#     --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) \
#     -t ghcr.io/kept-ogp/kept-commitments:0.1.0 .
#
# (the all-in-one binary: --build-arg SERVICE=kept -t ghcr.io/kept-ogp/kept:0.1.0)
#
# SERVICE is commitments, updates, dashboards (the services deployed by
# charts/kept) or kept (the all-in-one binary, used on Kubernetes only by the
# optional Job that issues the first admin token). deploy/build-images.sh
# builds them all.
#
# The build stage runs exactly what `make build` runs for that binary, from the
# repository root in workspace mode:
#   CGO_ENABLED=0 go build -trimpath -o <out> ./services/<SERVICE>/cmd/<SERVICE>
# tests/k8s/dockerfile_test.go checks this against the Makefile.

# GO_VERSION is the go line of go.work (checked by tests/k8s).
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
ARG SERVICE
WORKDIR /src
# The whole workspace: go.work names every module, and each must be present
# for the go command to load it.
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    test -n "${SERVICE}" && \
    CGO_ENABLED=0 go build -trimpath -o /out/${SERVICE} ./services/${SERVICE}/cmd/${SERVICE}

# distroless static: CA certificates, tzdata (KEPT_TIMEZONE), /etc/passwd with
# the nonroot user (65532), no shell and no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
ARG SERVICE
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="kept-${SERVICE}" \
      org.opencontainers.image.description="kept ${SERVICE}: tracker for Open Government Partnership action plans" \
      org.opencontainers.image.source="https://github.com/kept-ogp/kept" \
      org.opencontainers.image.url="https://github.com/kept-ogp/kept" \
      org.opencontainers.image.documentation="https://github.com/kept-ogp/kept/blob/main/charts/kept/README.md" \
      org.opencontainers.image.vendor="kept" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"
# ENTRYPOINT's exec form expands no variables, so every image keeps its binary
# at the same path.
COPY --from=build /out/${SERVICE} /usr/local/bin/kept-service
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/kept-service"]
