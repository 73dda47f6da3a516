// Package ferret runs an embedded FerretDB 1.24 (SQLite backend) so that code
// talks to a real MongoDB wire-protocol server without a MongoDB install.
package ferret

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Server is a running embedded FerretDB.
type Server struct {
	uri    string
	cancel context.CancelFunc
	done   chan error
}

// Options configure Start.
type Options struct {
	// Dir is where SQLite files are kept; created when missing.
	Dir string
	// Addr is the TCP listen address; "127.0.0.1:0" picks a free port.
	Addr string
	// Logger receives FerretDB's own logs; nil discards them.
	Logger *slog.Logger
}

// Start launches FerretDB and returns once it accepts connections.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("ferret: Dir is required")
	}
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("ferret: create data dir: %w", err)
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if _, port, err := net.SplitHostPort(addr); err == nil && port == "0" {
		free, err := freeAddr()
		if err != nil {
			return nil, err
		}
		addr = free
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(discard{}, &slog.HandlerOptions{Level: slog.LevelError + 4}))
	}
	abs, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("ferret: data dir: %w", err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: addr},
		Handler:  "sqlite",
		// BEGIN IMMEDIATE takes the write lock up front, so concurrent writers
		// wait (busy_timeout) instead of failing with SQLITE_BUSY when a read
		// transaction tries to become a write one.
		SQLiteURL: "file:" + abs + "/?_txlock=immediate",
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("ferret: configure: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- f.Run(runCtx) }()
	s.uri = f.MongoDBURI()
	if err := waitTCP(ctx, addr, s.done); err != nil {
		cancel()
		return nil, err
	}
	go newIDIndexer(abs, time.Second).run(runCtx)
	return s, nil
}

// URI is the mongodb:// connection string of the server.
func (s *Server) URI() string { return s.uri }

// Stop shuts FerretDB down and waits for it, at most a few seconds.
func (s *Server) Stop() {
	s.cancel()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
	}
}

func waitTCP(ctx context.Context, addr string, done <-chan error) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return fmt.Errorf("ferret: exited during start: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("ferret: %s did not accept connections within 15s", addr)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("ferret: find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
