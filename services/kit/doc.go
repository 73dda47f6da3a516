// Package kit is the shared foundation of kept's services: configuration,
// logging, telemetry, the HTTP server, MongoDB, Redis Streams, the outbox relay
// and authorization. Each sub-package has one job.
package kit
