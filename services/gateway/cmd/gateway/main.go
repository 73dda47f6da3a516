// Command gateway runs the public website and staff console alone, as on
// Kubernetes; `gateway account create ...` creates a console account.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kept-ogp/kept/services/gateway/app"
	"github.com/kept-ogp/kept/services/kit/runtime"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "account" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		if err := app.AccountCommand(ctx, os.Args[2:], os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "gateway account:", err)
			os.Exit(1)
		}
		return
	}
	runtime.Main(app.Name, app.Build)
}
