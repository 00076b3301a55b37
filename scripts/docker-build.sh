#!/usr/bin/env bash
# Builds the image as mcp-memory-service:<version> (the name compose.yaml and the Helm chart use);
# with a registry, also tags and pushes <registry>/mcp-memory-service:<version>.
#   scripts/docker-build.sh                        local image mcp-memory-service:0.1.0
#   scripts/docker-build.sh ghcr.io/your-org       and push ghcr.io/your-org/mcp-memory-service:0.1.0
# Further arguments go to `docker build`, e.g. --build-arg EMBEDDING_MODEL=Xenova/all-MiniLM-L6-v2.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json)
registry=${1:-}
[ $# -gt 0 ] && shift
docker build --build-arg VERSION="$version" -t "mcp-memory-service:$version" "$@" .
if [ -n "$registry" ]; then
  docker tag "mcp-memory-service:$version" "$registry/mcp-memory-service:$version"
  docker push "$registry/mcp-memory-service:$version"
fi
