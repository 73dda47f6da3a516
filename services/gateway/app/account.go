package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/kept-ogp/kept/services/gateway/internal/accounts"
	"github.com/kept-ogp/kept/services/gateway/internal/console"
	"github.com/kept-ogp/kept/services/gateway/internal/site"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/mongox"
)

type roleFlags []string

func (r *roleFlags) String() string     { return strings.Join(*r, ",") }
func (r *roleFlags) Set(v string) error { *r = append(*r, v); return nil }

// AccountCommand is `gateway account create --email E --name N --role R
// [--role R2] [--password-stdin]`: it creates a local console account in the
// gateway's database (MONGODB_URI, MONGODB_DATABASE, default kept_gateway).
// Without --password-stdin a random password is generated and printed once.
// kept can expose it as `kept account create` by calling it with its args.
func AccountCommand(ctx context.Context, args []string, stdin io.Reader, out io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: account create --email EMAIL --name NAME --role ROLE [--role ROLE] [--password-stdin]")
	}
	fs := flag.NewFlagSet("account create", flag.ContinueOnError)
	fs.SetOutput(out)
	email := fs.String("email", "", "the staff member's email (their sign-in name)")
	name := fs.String("name", "", "display name")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	var roles roleFlags
	fs.Var(&roles, "role", "role, repeatable: admin, poc, agency_editor:<org>, wg_member:<plan>/<commitment>:<side>")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	rs, err := console.ParseRoles(roles)
	if err != nil {
		return err
	}
	password := ""
	generated := false
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		password, generated = site.Random()[:24], true
	}
	cfg, err := config.Load(Name, nil)
	if err != nil {
		return err
	}
	mc, err := mongox.Connect(ctx, cfg.MongoURI)
	if err != nil {
		return err
	}
	defer func() { _ = mc.Disconnect(context.WithoutCancel(ctx)) }()
	a, err := accounts.NewStore(mc.Database(cfg.MongoDatabase)).Create(ctx, accounts.New{Email: *email, Name: *name,
		Password: password, Roles: rs, By: "command line"})
	if err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	fmt.Fprintf(out, "account: %s (%s)\n", a.Email, roles.String())
	if generated {
		fmt.Fprintf(out, "password: %s\n(shown once; sign in at /console/login and set up two-step verification)\n", password)
	}
	return nil
}
