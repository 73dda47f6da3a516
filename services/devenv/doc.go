// Package devenv holds the pieces that stand in for production infrastructure on
// a single machine and in tests: an embedded FerretDB (a real MongoDB
// wire-protocol server on SQLite) and a real redis-server process. Production
// services never import it.
package devenv
