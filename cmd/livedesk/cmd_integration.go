package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/platform"
)

// integrationStdin is where integration set reads the app secret (tests replace it).
var integrationStdin io.Reader // nil: os.Stdin

func runIntegration(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "set" && args[0] != "list" && args[0] != "remove") {
		fmt.Fprintln(stderr, "usage: livedesk integration set --shop S --platform doudian|tiktok --app-key K [--api-url U]  (app secret on standard input)")
		fmt.Fprintln(stderr, "       livedesk integration list [--shop S]")
		fmt.Fprintln(stderr, "       livedesk integration remove --shop S --platform P")
		return errUsage
	}
	sub := args[0]
	fs := newFlagSet("integration "+sub, "integration "+sub+" [flags]", stderr)
	shop := fs.String("shop", "", "shop the integration belongs to")
	plat := fs.String("platform", "", "doudian (抖店) or tiktok (TikTok Shop)")
	appKey := fs.String("app-key", "", "the platform app's key (抖店 app_key / TikTok Shop app key)")
	apiURL := fs.String("api-url", "", "the platform's open-API base URL, for order enrichment (e.g. https://openapi-fxg.jinritemai.com)")
	cfg, err := configFromFlags(fs, args[1:])
	if err != nil {
		return err
	}
	conn, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	// No Redis lock here: the oldest secret row wins, so a server creating it at the same moment
	// still agrees with this command once both rows are visible.
	secret, err := account.Secret(ctx, conn, "integrations", nil)
	if err != nil {
		return err
	}
	sealer, err := platform.NewSealer(secret)
	if err != nil {
		return err
	}
	store := platform.NewIntegrations(conn, sealer)
	switch sub {
	case "set":
		if *shop == "" || *plat == "" || *appKey == "" {
			return errors.New("integration set needs --shop, --platform and --app-key, and the app secret on standard input")
		}
		in := integrationStdin
		if in == nil {
			in = os.Stdin
		}
		sec, err := readPassword(in)
		if err != nil {
			return errors.New("no app secret on standard input (e.g. printf '%s\\n' \"$APP_SECRET\" | livedesk integration set …)")
		}
		if err := store.Put(ctx, platform.Integration{Shop: *shop, Platform: *plat, AppKey: *appKey, Secret: sec,
			APIURL: *apiURL, By: "cli"}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s integration of shop %s saved (secret encrypted; it is not shown again)\n", *plat, *shop)
		fmt.Fprintf(stdout, "register this push URL with the platform: %s\n", platform.HookURL(cfg.BaseURL, *plat, *shop))
	case "list":
		list, err := store.List(ctx, *shop)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SHOP\tPLATFORM\tAPP KEY\tSECRET\tAPI URL\tPUSH URL\tUPDATED")
		for _, in := range list {
			api := in.APIURL
			if api == "" {
				api = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.Shop, in.Platform, in.AppKey, in.Secret, api,
				platform.HookURL(cfg.BaseURL, in.Platform, in.Shop), in.Updated.In(cfg.Location).Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	case "remove":
		if *shop == "" || *plat == "" {
			return errors.New("integration remove needs --shop and --platform")
		}
		if err := store.Remove(ctx, *shop, *plat, "cli"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed the %s integration of shop %s; its pushes are refused from now on\n", *plat, strings.TrimSpace(*shop))
	}
	return nil
}
