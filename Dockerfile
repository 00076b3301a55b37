# syntax=docker/dockerfile:1
# mcp-memory-service: build with the toolchain, run on a slim Node LTS image as a non-root user.
# The steps are the project's own npm scripts (npm ci, npm run build), the same ones CI runs.

ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm AS build
# The embedding model of the image: with the default use-lite the optional Transformers.js runtime
# (@huggingface/transformers, ~470 MB of ONNX runtimes) is left out; other models keep it.
ARG EMBEDDING_MODEL=use-lite
# npm 10 (in this image) runs dependency install scripts: onnxruntime-node's would download GPU
# libraries that nothing here uses.
ENV ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
# better-sqlite3 13 ships Node-API prebuilds; python3, make and g++ are here should a platform need a source build.
COPY package.json package-lock.json ./
# npm's prepare step (scripts/prepare.mjs) builds only once the sources are there, below.
COPY scripts/prepare.mjs ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npm run build && npm prune --omit=dev \
  && if [ "$EMBEDDING_MODEL" = "use-lite" ]; then npm uninstall --no-save --omit=dev --no-audit --no-fund @huggingface/transformers; fi

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# Which embedding model the image uses. use-lite ships inside node_modules. For a Transformers.js
# model, put its files under ./models/<org>/<name>/ before building (or mount a directory at run
# time and set MCP_MEMORY_MODELS_DIR), e.g. --build-arg EMBEDDING_MODEL=Xenova/all-MiniLM-L6-v2;
# the build stage then keeps the Transformers.js runtime.
ARG EMBEDDING_MODEL=use-lite
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
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist/src ./dist/src
COPY --chown=node:node public ./public
COPY --chown=node:node models ./models
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 8000 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const s=process.env.MCP_HTTPS_ENABLED==='true';require(s?'https':'http').get({host:'127.0.0.1',port:process.env.MCP_HTTP_PORT,path:'/api/health',rejectUnauthorized:false},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]
