package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
)

func runKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
		fmt.Fprintln(stderr, "usage: livedesk key create --shop S --name N [--scope ingest|read|operate|admin] | key list [--shop S] | key revoke --shop S PREFIX")
		return errUsage
	}
	sub := args[0]
	fs := newFlagSet("key "+sub, "key "+sub+" [flags]", stderr)
	shop := fs.String("shop", "", "shop the key belongs to")
	name := fs.String("name", "", "what the key is for, e.g. the platform adapter")
	scope := fs.String("scope", livedesk.ScopeIngest, "what the key may do: ingest (post events), read, operate (also drive the stream) or admin (also change settings)")
	cfg, err := configFromFlags(fs, args[1:])
	if err != nil {
		return err
	}
	conn, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	keys := ingest.NewKeys(conn)
	switch sub {
	case "create":
		if *shop == "" || *name == "" {
			return errors.New("key create needs --shop and --name")
		}
		secret, err := keys.CreateScoped(ctx, *shop, *name, *scope)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "created a %s key for shop %s (%s); it is shown only this once\n", *scope, *shop, *name)
	case "list":
		list, err := keys.List(ctx, *shop)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PREFIX\tSHOP\tNAME\tSCOPE\tCREATED\tSTATE")
		for _, k := range list {
			state := "active"
			if k.Revoked {
				state = "revoked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.Prefix, k.Shop, k.Name, k.Scope, k.Created.In(cfg.Location).Format("2006-01-02 15:04"), state)
		}
		return tw.Flush()
	case "revoke":
		if *shop == "" || fs.NArg() != 1 {
			return errors.New("key revoke needs --shop and the key's prefix (as key list shows it)")
		}
		n, err := keys.Revoke(ctx, *shop, fs.Arg(0))
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("no active key %s in shop %s", fs.Arg(0), *shop)
		}
		fmt.Fprintf(stdout, "revoked %s\n", fs.Arg(0))
	}
	return nil
}
