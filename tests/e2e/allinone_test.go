package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/devenv/redisserver"
	"github.com/kept-ogp/kept/tests/internal/cluster"
)

// `kept run` (what `make run` starts) imports the plan, stops cleanly on
// Ctrl-C, and starts again on the same data without importing it twice.
func TestAllInOneRestartsOnItsOwnData(t *testing.T) {
	bin := t.TempDir()
	cluster.BuildBinaries(t, bin)
	rs, err := redisserver.Start(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Stop()
	data := t.TempDir()
	csv := filepath.Join(cluster.RepoRoot(), "services/commitments/testdata/canada-nap6-2025-2029.csv")
	addr, mongoAddr := cluster.FreeAddr(t), cluster.FreeAddr(t)
	run := func() string {
		var out bytes.Buffer
		cmd := exec.Command(filepath.Join(bin, "kept"), "run", "--data", data, "--load", csv, "--addr", addr, "--mongo-addr", mongoAddr)
		cmd.Env = append(os.Environ(), "REDIS_URL="+rs.URL, "LOG_LEVEL=warn")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cluster.WaitReady(t, "http://"+addr+"/readyz")
		if r := cluster.Do(t, "GET", "http://"+addr+"/api/v1/plans/ca-nap6", "", nil); r.Status != 200 {
			t.Fatalf("plan after start: %d\n%s", r.Status, out.String())
		}
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("kept run did not stop cleanly: %v\n%s", err, out.String())
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("kept run did not stop within 30s of SIGINT\n%s", out.String())
		}
		return out.String()
	}
	first := run()
	if !strings.Contains(first, "imported as revision 1") {
		t.Fatalf("first start:\n%s", first)
	}
	second := run()
	if !strings.Contains(second, "unchanged since revision 1") {
		t.Fatalf("second start on the same data:\n%s", second)
	}
}
