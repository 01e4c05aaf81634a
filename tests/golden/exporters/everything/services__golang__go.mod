module workbench/service

go 1.19

// The versions Debian 12 packages, which the workbench builds and tests this skeleton with
// (same APIs). go.sum is produced by `go mod tidy` in the Dockerfile, every module checked
// against the Go checksum database; commit the go.sum of your first build.
require (
	github.com/go-sql-driver/mysql v1.5.0
	github.com/gomodule/redigo v1.8.3
	github.com/lib/pq v1.10.7
	github.com/nats-io/nats.go v1.22.1
	github.com/prometheus/client_golang v1.14.0
	github.com/rabbitmq/amqp091-go v1.5.0
	go.opentelemetry.io/otel v1.1.0
	go.opentelemetry.io/otel/sdk v1.1.0
	go.opentelemetry.io/otel/trace v1.1.0
	gopkg.in/square/go-jose.v2 v2.6.0
)
