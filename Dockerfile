# cxqa as an Airbyte source (and a Singer tap: `--entrypoint /usr/local/bin/cxqa` then `singer …`).
# Build: docker build -t cxqa/source-cxqa:0.1.0 .
# The binary is the release build of the `cxqa` package, the one `.ci/run` tests.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p cxqa \
 && install -m 0755 target/release/cxqa /cxqa

FROM debian:bookworm-slim
# TLS roots for the vendors' APIs; nothing else is needed at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /work --create-home cxqa
COPY --from=build /cxqa /usr/local/bin/cxqa
USER cxqa
WORKDIR /work
ENV AIRBYTE_ENTRYPOINT="/usr/local/bin/cxqa airbyte"
LABEL io.airbyte.name="cxqa/source-cxqa" io.airbyte.version="0.1.0"
LABEL org.opencontainers.image.title="cxqa" org.opencontainers.image.licenses="Apache-2.0"
ENTRYPOINT ["/usr/local/bin/cxqa", "airbyte"]
