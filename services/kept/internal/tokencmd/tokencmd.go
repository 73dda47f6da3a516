// Package tokencmd is `kept token`: issue, list and revoke API tokens in the
// deployment's identity database (MONGODB_URI, AUTH_DATABASE).
package tokencmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/mongox"
)

type roleList []auth.Role

func (r *roleList) String() string { return fmt.Sprint(*r) }

func (r *roleList) Set(s string) error {
	role, err := auth.ParseRole(s)
	if err != nil {
		return err
	}
	*r = append(*r, role)
	return nil
}

// Run executes a token subcommand.
func Run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("token: want create, revoke or list")
	}
	cfg, err := config.Load("kept", nil)
	if err != nil {
		return err
	}
	client, err := mongox.Connect(ctx, cfg.MongoURI)
	if err != nil {
		return fmt.Errorf("token: is kept running? %w", err)
	}
	defer client.Disconnect(context.WithoutCancel(ctx))
	store := auth.NewStore(client.Database(cfg.AuthDatabase))
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("token create", flag.ContinueOnError)
		name := fs.String("name", "", "who or what the token is for, e.g. \"RCMP editor\"")
		var roles roleList
		fs.Var(&roles, "role", "a role (repeatable)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		t, secret, err := store.Create(ctx, *name, "kept token create", roles)
		if err != nil {
			return fmt.Errorf("token create: %w", err)
		}
		fmt.Fprintf(out, "id:     %s\nname:   %s\nroles:  %s\ntoken:  %s\n(the token is shown once; only its hash is stored)\n", t.ID, t.Name, describe(t.Roles), secret)
	case "revoke":
		if len(args) != 2 {
			return errors.New("token revoke: want one token id")
		}
		if err := store.Revoke(ctx, args[1]); err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked %s\n", args[1])
	case "list":
		ts, err := store.List(ctx)
		if err != nil {
			return err
		}
		for _, t := range ts {
			state := "active"
			if t.RevokedAt != nil {
				state = "revoked " + t.RevokedAt.Format("2006-01-02")
			}
			fmt.Fprintf(out, "%s  %-24s  %-10s  %s\n", t.ID, t.Name, state, describe(t.Roles))
		}
	default:
		return fmt.Errorf("token: unknown subcommand %q", args[0])
	}
	return nil
}

func describe(roles []auth.Role) string {
	parts := make([]string, 0, len(roles))
	for _, r := range roles {
		switch r.Kind {
		case auth.KindAgencyEditor:
			parts = append(parts, r.Kind+":"+r.Org)
		case auth.KindWGMember:
			parts = append(parts, fmt.Sprintf("%s:%s/%s:%s", r.Kind, r.Plan, r.Commitment, r.Side))
		default:
			parts = append(parts, r.Kind)
		}
	}
	return strings.Join(parts, ", ")
}
