# Posta in a container. scripts/build-release performs the same steps on the host.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin posta

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/posta /usr/local/bin/posta
USER 65534:65534
# Inside the container Posta must listen on all interfaces; publish the port as needed.
ENV POSTA_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/posta"]
