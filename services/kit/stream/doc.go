// Package stream carries kept's events over Redis Streams.
//
// Producers build an Envelope with NewEnvelope (which records the caller's
// trace context) and append it with a Publisher. Consumers read with a
// consumer group and get at-least-once delivery: an entry is acknowledged
// only after its Handler succeeds, entries left behind by dead consumers are
// reclaimed with XAUTOCLAIM, and entries that keep failing are moved to a
// dead-letter stream so later events keep flowing. Handlers must therefore
// be idempotent (Envelope.aggregate_version makes that cheap).
//
// Each stream entry has two fields: FieldEnvelope ("e"), the
// protobuf-encoded Envelope, and FieldType ("t"), the event type, kept only
// so that entries are readable with redis-cli.
package stream
