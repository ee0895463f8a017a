# livedesk server image, built by docker-compose.yml.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/livedesk ./cmd/livedesk

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/livedesk livedesk \
    && mkdir -p /var/lib/livedesk && chown livedesk /var/lib/livedesk
COPY --from=build /out/livedesk /usr/local/bin/livedesk
USER livedesk
ENV LIVEDESK_ADDR=0.0.0.0:8080 LIVEDESK_DATA_DIR=/var/lib/livedesk
VOLUME /var/lib/livedesk
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=4s --retries=5 CMD ["livedesk", "healthcheck", "--url", "http://127.0.0.1:8080"]
ENTRYPOINT ["livedesk"]
CMD ["serve"]
