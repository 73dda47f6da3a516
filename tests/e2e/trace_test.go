package e2e

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	commitments "github.com/kept-ogp/kept/services/commitments/app"
	dashboards "github.com/kept-ogp/kept/services/dashboards/app"
	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/kit/telemetry"
	updates "github.com/kept-ogp/kept/services/updates/app"
	"github.com/kept-ogp/kept/tests/internal/cluster"
)

// One trace runs from the HTTP request that agrees an update, through the
// updates stream, to the dashboards projection, seen with an in-memory span
// exporter on the all-in-one process.
func TestOneTraceFromAgreementToProjection(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fdb, err := ferret.Start(ctx, ferret.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer fdb.Stop()
	rs, err := redisserver.Start(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{"MONGODB_URI": fdb.URI(), "REDIS_URL": rs.URL, "HTTP_ADDR": addr, "LOG_LEVEL": "error", "POD_NAME": "trace-0"}
	cfg, err := config.Load("kept", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	exp := tracetest.NewInMemoryExporter()
	p, err := runtime.Open(ctx, cfg, runtime.Options{SpanExporter: telemetry.Options{Exporter: exp, Sync: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	var svcs []runtime.Service
	for _, b := range []struct {
		name, db string
		build    runtime.Builder
	}{{commitments.Name, "kept_commitments", commitments.Build}, {updates.Name, "kept_updates", updates.Build}, {dashboards.Name, "kept_dashboards", dashboards.Build}} {
		s, err := b.build(ctx, p.Deps(b.name, b.db))
		if err != nil {
			t.Fatal(err)
		}
		svcs = append(svcs, s)
	}
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx, svcs...) }()
	base := "http://" + addr
	cluster.WaitReady(t, base+"/readyz")

	tok := func(name string, roles ...auth.Role) string {
		_, secret, err := p.Tokens.Create(ctx, name, "test", roles)
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	admin := tok("admin", auth.Role{Kind: auth.KindAdmin})
	editor := tok("editor", auth.Role{Kind: auth.KindAgencyEditor, Org: "rcmp-grc"})
	gov := tok("gov", auth.Role{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: auth.SideGovernment})
	cso := tok("cso", auth.Role{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: auth.SideCivilSociety})
	if r := cluster.Do(t, "POST", base+"/api/v1/plans/import?filename=p.csv", admin, cluster.RealPlan(t)); r.Status != 201 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	var post cluster.Response
	cluster.Eventually(t, 20*time.Second, "a draft", func() bool {
		post = cluster.Do(t, "POST", base+"/api/v1/updates", editor, map[string]any{"plan": "ca-nap6", "item": "C01.1.1",
			"period": "2026-12", "status": "complete", "progress": map[string]string{"en": "Done."}})
		return post.Status == 201
	})
	id := post.JSON(t)["update"].(map[string]any)["id"].(string)
	cluster.Do(t, "POST", base+"/api/v1/updates/"+id+"/agree", gov, nil)
	exp.Reset()
	if r := cluster.Do(t, "POST", base+"/api/v1/updates/"+id+"/agree", cso, nil, "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"); r.Status != http.StatusOK {
		t.Fatalf("agree: %d %s", r.Status, r.Body)
	}
	cluster.Eventually(t, 20*time.Second, "the projection", func() bool {
		r := cluster.Do(t, "GET", base+"/api/v1/dashboards/plans/ca-nap6/commitments/C01", "", nil)
		return bytes.Contains(r.Body, []byte(id))
	})
	var server, consumer *tracetest.SpanStub
	cluster.Eventually(t, 5*time.Second, "the consumer span", func() bool {
		for _, s := range exp.GetSpans() {
			s := s
			switch {
			case s.Name == "POST /api/v1/updates/:id/agree":
				server = &s
			case s.Name == "consume updates.update.changed":
				consumer = &s
			}
		}
		return server != nil && consumer != nil
	})
	want := "4bf92f3577b34da6a3ce929d0e0e4736"
	if got := server.SpanContext.TraceID().String(); got != want {
		t.Fatalf("server span trace %s, want the caller's %s", got, want)
	}
	if got := consumer.SpanContext.TraceID().String(); got != want {
		t.Fatalf("consumer span trace %s, want %s: the trace broke at the stream", got, want)
	}
	if consumer.Parent.SpanID() != server.SpanContext.SpanID() {
		t.Fatalf("consumer span's parent %s is not the agreement request %s", consumer.Parent.SpanID(), server.SpanContext.SpanID())
	}
	cancel()
	<-done
}
