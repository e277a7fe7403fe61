# logateway — multi-stage build: a static binary on a minimal, non-root image.
#
#   docker build -t logateway .
#   docker run -p 8080:8080 -v $PWD/logateway.yaml:/etc/logateway/config.yaml:ro \
#     -e LOGATEWAY_CONFIG=/etc/logateway/config.yaml -e ECA_CLIENT_SECRET=... logateway
#
# Health for orchestrators: GET /__lo/healthz (liveness) and GET /__lo/readyz
# (readiness: the session store answers) on the public port. Metrics: /metrics on
# the admin listener (admin_listen; bind it to 0.0.0.0:9090 inside a container
# only on a private network).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -tags nomsgpack -ldflags "-s -w -X main.version=${VERSION}" -o /out/logateway ./cmd/logateway

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/logateway /usr/local/bin/logateway
USER nonroot:nonroot
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/logateway"]
CMD ["serve"]
