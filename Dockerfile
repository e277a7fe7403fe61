# logateway — multi-stage build: a static binary on a minimal, non-root image.
#
#   docker build --build-arg VERSION=v0.2.0 --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg DATE=$(date -u +%FT%TZ) -t logateway .
#   docker run -p 8080:8080 -v $PWD/logateway.yaml:/etc/logateway/config.yaml:ro \
#     -e ECA_CLIENT_SECRET=... -e LOGATEWAY_SESSION_KEYS=... logateway
#
# The image never starts dev mode: its command is `serve --require-config`, which
# reads LOGATEWAY_CONFIG or /etc/logateway/config.yaml and exits 2, naming the path
# and LOGATEWAY_CONFIG, when neither is there.
#
# Health: HEALTHCHECK runs `logateway healthcheck` (GET /__lo/healthz on the public
# port; distroless has no shell or curl). Orchestrators probe /__lo/healthz (liveness)
# and /__lo/readyz (readiness: the session store answers) on port 8080. Metrics are on
# the admin listener, 127.0.0.1:9090 by default, so that port is not exposed: set
# admin_listen: 0.0.0.0:9090 (private networks only) to scrape it from outside.
#
# Base images are pinned by digest (multi-arch index). To move to newer ones:
#   docker buildx imagetools inspect golang:1.26 (and the distroless tag below)
# and replace the sha256 values.
FROM golang:1.26@sha256:9edf71320ef8a791c4c33ec79f90496d641f306a91fb112d3d060d5c1cee4e20 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Empty values leave `logateway version` to what the toolchain records.
ARG VERSION=""
ARG COMMIT=""
ARG DATE=""
RUN CGO_ENABLED=0 go build -trimpath -tags nomsgpack \
    -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
    -o /out/logateway ./cmd/logateway

FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
ARG VERSION=""
ARG COMMIT=""
ARG DATE=""
LABEL org.opencontainers.image.title="logateway" \
      org.opencontainers.image.description="Lightning Out 2.0 embedding gateway: signs visitors in to a Salesforce org and serves the Agentforce Conversation Client" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/logateway/logateway" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.created="${DATE}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"
COPY --from=build /out/logateway /usr/local/bin/logateway
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/logateway", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/logateway"]
CMD ["serve", "--require-config"]
