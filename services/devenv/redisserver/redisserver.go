// Package redisserver gives tests and the single-machine mode a real Redis:
// REDIS_URL when set, else a redis-server process on a free port.
package redisserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a Redis the caller may use; Stop ends it when this package started it.
type Server struct {
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
}

// ErrNoRedis means neither REDIS_URL nor a redis-server binary is available.
var ErrNoRedis = errors.New("redis-server not found on PATH and REDIS_URL not set (install Debian's redis-server)")

// Start returns REDIS_URL's server when useEnv is true and it is set, else it
// starts redis-server on a free loopback port with nothing kept on disk.
func Start(ctx context.Context, useEnv bool) (*Server, error) {
	if url := os.Getenv("REDIS_URL"); useEnv && url != "" {
		return &Server{URL: url}, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNoRedis
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kept-redis-")
	if err != nil {
		return nil, fmt.Errorf("redisserver: temp dir: %w", err)
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", "")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("redisserver: start %s: %w", bin, err)
	}
	s := &Server{URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); _ = os.RemoveAll(dir); close(s.done) }()
	if err := s.wait(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Stop kills a redis-server this package started.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

func (s *Server) wait(ctx context.Context) error {
	opts, err := redis.ParseURL(s.URL)
	if err != nil {
		return fmt.Errorf("redisserver: %w", err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := c.Ping(ctx).Err(); err == nil {
			return nil
		}
		select {
		case <-s.done:
			return errors.New("redisserver: redis-server exited during start")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.New("redisserver: redis-server did not answer PING within 10s")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redisserver: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
