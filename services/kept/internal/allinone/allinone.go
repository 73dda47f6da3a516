// Package allinone runs every kept service in one process on one machine:
// MongoDB from MONGODB_URI or an embedded FerretDB under the data directory,
// Redis from REDIS_URL, a local redis-server, or an embedded miniredis.
package allinone

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // profiles for `kept mongo --pprof`
	"os"
	"path/filepath"
	"time"

	"github.com/alicebob/miniredis/v2"

	commitments "github.com/kept-ogp/kept/services/commitments/app"
	dashboards "github.com/kept-ogp/kept/services/dashboards/app"
	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
	gateway "github.com/kept-ogp/kept/services/gateway/app"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/runtime"
	notifications "github.com/kept-ogp/kept/services/notifications/app"
	qa "github.com/kept-ogp/kept/services/qa/app"
	reporting "github.com/kept-ogp/kept/services/reporting/app"
	updates "github.com/kept-ogp/kept/services/updates/app"
)

// DefaultMongoAddr is where the embedded FerretDB listens, so `kept token`
// can reach the running instance.
const DefaultMongoAddr = "127.0.0.1:27018"

// Run is `kept run`.
func Run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	data := fs.String("data", "./var", "directory for the embedded store")
	load := fs.String("load", "", "plan file (CSV or XLSX) to import at start")
	addr := fs.String("addr", "", "HTTP listen address (default HTTP_ADDR or :8080)")
	mongoAddr := fs.String("mongo-addr", DefaultMongoAddr, "listen address of the embedded FerretDB")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := dashboards.CheckSettings(); err != nil {
		return err
	}
	if *addr != "" {
		if err := os.Setenv("HTTP_ADDR", *addr); err != nil {
			return err
		}
	}
	// The site calls the services' routes in this same process on the
	// loopback address, passing the citizen's address in X-Forwarded-For:
	// believe it from loopback only, so per-address limits count citizens.
	if os.Getenv("TRUSTED_PROXIES") == "" {
		if err := os.Setenv("TRUSTED_PROXIES", "127.0.0.1,::1"); err != nil {
			return err
		}
	}
	env := map[string]string{}
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	if os.Getenv("MONGODB_URI") == "" {
		fdb, err := ferret.Start(ctx, ferret.Options{Dir: filepath.Join(*data, "ferretdb"), Addr: *mongoAddr})
		if err != nil {
			return fmt.Errorf("embedded FerretDB (set MONGODB_URI to use a MongoDB server): %w", err)
		}
		defer fdb.Stop()
		env["MONGODB_URI"] = fdb.URI()
		fmt.Fprintf(out, "store:   embedded FerretDB at %s, data in %s\n", *mongoAddr, filepath.Join(*data, "ferretdb"))
	}
	stopRedis, url, how, err := redisFor(ctx)
	if err != nil {
		return err
	}
	defer stopRedis()
	env["REDIS_URL"] = url
	fmt.Fprintf(out, "redis:   %s (%s)\n", url, how)

	cfg, err := config.Load("kept", getenv)
	if err != nil {
		return err
	}
	p, err := runtime.Open(ctx, cfg, runtime.Options{})
	if err != nil {
		return err
	}
	defer p.Close(context.WithoutCancel(ctx))
	cs, err := commitments.New(ctx, p.Deps(commitments.Name, "kept_commitments"))
	if err != nil {
		return err
	}
	us, err := updates.Build(ctx, p.Deps(updates.Name, "kept_updates"))
	if err != nil {
		return err
	}
	ds, err := dashboards.Build(ctx, p.Deps(dashboards.Name, "kept_dashboards"))
	if err != nil {
		return err
	}
	qs, err := qa.Build(ctx, p.Deps(qa.Name, "kept_qa"))
	if err != nil {
		return err
	}
	rs, err := reporting.Build(ctx, p.Deps(reporting.Name, "kept_reporting"))
	if err != nil {
		return err
	}
	ns, err := buildNotifications(ctx, p, cfg.HTTPAddr, getenv)
	if err != nil {
		return err
	}
	gs, err := buildGateway(ctx, p, cfg.HTTPAddr, getenv)
	if err != nil {
		return err
	}
	if *load != "" {
		if err := loadPlan(ctx, cs, *load, cfg.HTTPAddr, out); err != nil {
			return err
		}
	}
	return p.Serve(ctx, cs, us, ds, qs, rs, ns, gs)
}

func loadPlan(ctx context.Context, cs *commitments.Service, path, addr string, out io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("load plan: %w", err)
	}
	defer f.Close()
	rev, changed, err := cs.ImportIfChanged(ctx, f, filepath.Base(path), "kept run --load")
	if err != nil {
		return fmt.Errorf("load plan %s: %w", path, err)
	}
	base := "http://localhost" + addr
	if addr != "" && addr[0] != ':' {
		base = "http://" + addr
	}
	state := "imported as revision"
	if !changed {
		state = "unchanged since revision"
	}
	fmt.Fprintf(out, "plan:    %s %s %d (%d commitments, %d milestones, %d indicators)\n\n", rev.PlanID, state, rev.Revision,
		rev.Counts.Commitments, rev.Counts.Milestones, rev.Counts.Indicators)
	first := ""
	if len(rev.Snapshot.Commitments) > 0 {
		first = rev.Snapshot.Commitments[0].Code
	}
	fmt.Fprintf(out, "public site:      %s/plans/%s\n", base, rev.PlanID)
	fmt.Fprintf(out, "staff console:    %s/console\n", base)
	fmt.Fprintf(out, "public JSON:      %s/api/v1/plans/%s\n", base, rev.PlanID)
	fmt.Fprintf(out, "dashboard JSON:   %s/api/v1/dashboards/plans/%s\n", base, rev.PlanID)
	fmt.Fprintf(out, "plan widget:      %s/embed/plans/%s?lang=en\n", base, rev.PlanID)
	if first != "" {
		fmt.Fprintf(out, "commitment widget: %s/embed/plans/%s/commitments/%s?lang=fr\n", base, rev.PlanID, first)
		fmt.Fprintf(out, "badge:            %s/badge/plans/%s/commitments/%s.svg?lang=en\n", base, rev.PlanID, first)
	}
	fmt.Fprintf(out, "tokens:           MONGODB_URI=mongodb://%s/ ./bin/kept token create --name NAME --role ROLE\n", DefaultMongoAddr)
	fmt.Fprintf(out, "accounts:         MONGODB_URI=mongodb://%s/ ./bin/kept account create --email EMAIL --name NAME --role ROLE\n\n", DefaultMongoAddr)
	return nil
}

// redisFor picks Redis as the README says: REDIS_URL, else a redis-server we
// start, else an embedded miniredis (enough to try kept, not to run it).
func redisFor(ctx context.Context) (stop func(), url, how string, err error) {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return func() {}, u, "from REDIS_URL", nil
	}
	s, err := redisserver.Start(ctx, false)
	if err == nil {
		return s.Stop, s.URL, "local redis-server started by kept", nil
	}
	slog.Warn("no redis-server; using embedded miniredis", "reason", err)
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return nil, "", "", fmt.Errorf("embedded miniredis: %w", err)
	}
	m.SetTime(time.Now())
	return m.Close, "redis://" + m.Addr() + "/0", "embedded miniredis", nil
}

// Mongo is `kept mongo`: the embedded FerretDB alone, for services run as
// separate processes on one machine (and the end-to-end tests).
func Mongo(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("mongo", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	addr := fs.String("addr", DefaultMongoAddr, "listen address")
	pprofAddr := fs.String("pprof", "", "serve Go profiles on this address (for performance work)")
	debug := fs.Bool("debug", false, "log every command FerretDB receives (for performance work; logs contain data)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pprofAddr != "" {
		go func() { _ = http.ListenAndServe(*pprofAddr, nil) }()
	}
	opts := ferret.Options{Dir: filepath.Join(*data, "ferretdb"), Addr: *addr}
	if *debug {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := ferret.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer s.Stop()
	fmt.Fprintf(out, "MONGODB_URI=%s\n", s.URI())
	<-ctx.Done()
	return nil
}

// notifierTokenName names the token `kept run` gives its notifications
// service to read askers' addresses from qa in the same process.
const notifierTokenName = "kept run: notifications"

// buildNotifications starts the notifications service reading askers'
// addresses from this process's qa. Only a hash of a token is stored, so
// each start revokes the previous start's token and issues a new one.
func buildNotifications(ctx context.Context, p *runtime.Process, httpAddr string, getenv func(string) string) (runtime.Service, error) {
	set, err := notifications.LoadSettings(getenv)
	if err != nil {
		return nil, err
	}
	if set.QAURL == "" {
		tokens, err := p.Tokens.List(ctx)
		if err != nil {
			return nil, fmt.Errorf("notifications: %w", err)
		}
		for _, t := range tokens {
			if t.Name == notifierTokenName && t.RevokedAt == nil {
				if err := p.Tokens.Revoke(ctx, t.ID); err != nil {
					return nil, fmt.Errorf("notifications: revoke the previous token: %w", err)
				}
			}
		}
		_, secret, err := p.Tokens.Create(ctx, notifierTokenName, "kept run", []auth.Role{{Kind: auth.KindNotifier}})
		if err != nil {
			return nil, fmt.Errorf("notifications: %w", err)
		}
		set.QAURL, set.QAToken = loopbackURL(httpAddr), secret
	}
	return notifications.NewWith(ctx, p.Deps(notifications.Name, "kept_notifications"), set)
}

// loopbackURL is this process's own address for a listen address such as
// ":8080" or "0.0.0.0:8080".
func loopbackURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://127.0.0.1:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// buildGateway mounts the public site and the staff console on this
// process. The services' routes are on the same engine, so the gateway
// proxies nothing and calls them on the loopback address.
func buildGateway(ctx context.Context, p *runtime.Process, httpAddr string, getenv func(string) string) (runtime.Service, error) {
	self := loopbackURL(httpAddr)
	set, err := gateway.LoadSettings(func(k string) string {
		switch k {
		case "GATEWAY_COMMITMENTS_URL", "GATEWAY_UPDATES_URL", "GATEWAY_DASHBOARDS_URL", "GATEWAY_QA_URL",
			"GATEWAY_REPORTING_URL", "GATEWAY_NOTIFICATIONS_URL":
			return self
		case "GATEWAY_PROXY":
			return "false"
		}
		return getenv(k)
	})
	if err != nil {
		return nil, err
	}
	return gateway.NewWith(ctx, p.Deps(gateway.Name, "kept_gateway"), set)
}
