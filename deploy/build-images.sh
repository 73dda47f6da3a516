#!/usr/bin/env bash
# Builds one image per kept binary from the repository's Dockerfile and, with
# PUSH=1, pushes them. Needs Docker with BuildKit (docker buildx); not run in CI.
#
#   REGISTRY=ghcr.io/kept-ogp VERSION=0.1.0 deploy/build-images.sh
#
# Image names match charts/kept: <REGISTRY>/kept-<service>:<VERSION>, and
# <REGISTRY>/kept:<VERSION> for the all-in-one binary.
set -euo pipefail
cd "$(dirname "$0")/.."
REGISTRY=${REGISTRY:-ghcr.io/kept-ogp}
VERSION=${VERSION:?set VERSION, e.g. VERSION=0.1.0 (never latest)}
if [ "$VERSION" = latest ]; then echo "refusing the tag latest: the chart pins versions" >&2; exit 1; fi
REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)
CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for s in commitments updates dashboards kept; do
  name="kept-$s"
  [ "$s" = kept ] && name=kept
  docker buildx build \
    --build-arg SERVICE="$s" --build-arg VERSION="$VERSION" \
    --build-arg REVISION="$REVISION" --build-arg CREATED="$CREATED" \
    -t "$REGISTRY/$name:$VERSION" ${PUSH:+--push} .
done
