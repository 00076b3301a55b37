# syntax=docker/dockerfile:1
# mcp-memory-service: the build stage compiles the sources and packs the npm package (as
# `npm pack` does for a release); the runtime stage installs that package on a slim Node LTS image
# and runs it as a non-root user. The image is exactly what `npm install -g` of the package gives,
# the install CI tests. Build and push: scripts/docker-build.sh (docs/deployment.md).

ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm AS build
# npm 10 (in this image) runs dependency install scripts: onnxruntime-node's would download GPU
# libraries that nothing here uses.
ENV ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /src
COPY package.json package-lock.json ./
# npm's prepare step (scripts/prepare.mjs) builds only once the sources are there, below.
COPY scripts/prepare.mjs ./scripts/
RUN npm ci --no-audit --no-fund
# Only what the package is made of: no tests, benchmarks or charts.
COPY tsconfig.json tsconfig.build.json README.md CHANGELOG.md LICENSE openapi.json compose.yaml ./
COPY src ./src
COPY public ./public
COPY config ./config
COPY examples ./examples
COPY docs ./docs
# The server only (no tests here to compile), then the package as a release packs it.
RUN npm run build:src && mkdir /package && npm pack --ignore-scripts --pack-destination /package

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# Which embedding model the image uses. use-lite ships inside the package. For a Transformers.js
# model, put its files under ./models/<org>/<name>/ before building (or mount a directory at run
# time and set MCP_MEMORY_MODELS_DIR), e.g. --build-arg EMBEDDING_MODEL=Xenova/all-MiniLM-L6-v2;
# the image then gets the Transformers.js runtime beside the package.
ARG EMBEDDING_MODEL=use-lite
# The package's version (package.json), for the image's labels.
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="mcp-memory-service" \
      org.opencontainers.image.description="Self-hosted, multi-client semantic memory service for AI agents and MCP clients" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    SCARF_ANALYTICS=false
COPY --from=build /package/ /tmp/package/
RUN npm install -g --no-audit --no-fund /tmp/package/mcp-memory-service-*.tgz \
  && if [ "$EMBEDDING_MODEL" != "use-lite" ]; then npm install -g --no-audit --no-fund @huggingface/transformers@4; fi \
  && rm -rf /tmp/package /root/.npm \
  && mkdir -p /app/data /app/models \
  && chown node:node /app/data
ENV NODE_ENV=production \
    MCP_HTTP_HOST=0.0.0.0 \
    MCP_HTTP_PORT=8000 \
    MCP_MEMORY_STORAGE_BACKEND=sqlite_vec \
    MCP_MEMORY_SQLITE_PATH=/app/data/memory.db \
    MCP_MDNS_ENABLED=true \
    MCP_HTTPS_ENABLED=false \
    MCP_EMBEDDING_MODEL=${EMBEDDING_MODEL} \
    MCP_MEMORY_MODELS_DIR=/app/models
WORKDIR /app
COPY --chown=node:node models ./models
USER node
VOLUME ["/app/data"]
EXPOSE 8000 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const s=process.env.MCP_HTTPS_ENABLED==='true';require(s?'https':'http').get({host:'127.0.0.1',port:process.env.MCP_HTTP_PORT,path:'/api/health',rejectUnauthorized:false},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
ENTRYPOINT ["mcp-memory"]
CMD ["serve"]
