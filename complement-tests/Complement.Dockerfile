# Image for running Matrix's Complement suite against Plexus.
#
# Build from the repository root:
#   docker build -f complement-tests/Complement.Dockerfile -t complement-plexus .
# Run Complement with it:
#   COMPLEMENT_BASE_IMAGE=complement-plexus go test -v ./tests/...
#
# Complement starts the container with SERVER_NAME set (hs1, hs2, …) and
# talks to the client-server API on port 8008. Registration is open and rate
# limits are off, as Complement's tests expect. Federation (8448) is not
# served by Plexus yet.
#
# Not exercised on the development machine (no working docker there): the
# black-box suite in this directory runs the binary directly instead.

FROM rust:1-bookworm AS build
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev clang >/dev/null \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release -p plexus --bin plexus \
    && cp target/release/plexus /usr/local/bin/plexus

FROM debian:bookworm-slim
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ca-certificates >/dev/null \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/plexus /usr/local/bin/plexus
RUN mkdir -p /conf /data && touch /conf/plexus.toml
ENV PLEXUS_CLIENT_LISTEN=0.0.0.0:8008 \
    PLEXUS_DATA_DIR=/data \
    PLEXUS_REGISTRATION=open \
    PLEXUS_RATE_LIMITS=off \
    PLEXUS_LOG_LEVEL=info
EXPOSE 8008
# SERVER_NAME comes from Complement at container start, so it is mapped here.
CMD ["sh", "-c", "PLEXUS_SERVER_NAME=\"${SERVER_NAME:-localhost}\" exec plexus serve --config /conf/plexus.toml"]
