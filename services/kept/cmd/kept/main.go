// Command kept is the all-in-one binary: `kept run` serves every service in one
// process (as Loki and Mimir offer a single-binary mode), `kept token` manages
// API tokens, `kept mongo` serves the embedded MongoDB-compatible store alone.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	gateway "github.com/kept-ogp/kept/services/gateway/app"
	"github.com/kept-ogp/kept/services/kept/internal/allinone"
	"github.com/kept-ogp/kept/services/kept/internal/tokencmd"
)

const usage = `kept: open-government action plan progress tracker

usage:
  kept run [--data DIR] [--load PLAN.csv] [--addr :8080]   all services in one process
  kept mongo [--data DIR] [--addr 127.0.0.1:27018]         embedded FerretDB alone
  kept token create --name NAME --role ROLE [--role ROLE]  issue an API token (printed once)
  kept token revoke ID                                     revoke a token
  kept token list                                          list tokens (never their secrets)
  kept account create --email E --name N --role ROLE [--password-stdin]
                                                           a staff console account (password printed once)

roles: admin | poc | notifier | agency_editor:<org> | wg_member:<plan>/<commitment>:<government|civil_society>
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = allinone.Run(ctx, os.Args[2:], os.Stdout)
	case "mongo":
		err = allinone.Mongo(ctx, os.Args[2:], os.Stdout)
	case "token":
		err = tokencmd.Run(ctx, os.Args[2:], os.Stdout)
	case "account":
		err = gateway.AccountCommand(ctx, os.Args[2:], os.Stdin, os.Stdout)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		err = fmt.Errorf("unknown command %q\n\n%s", os.Args[1], usage)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kept:", err)
		os.Exit(1)
	}
}
