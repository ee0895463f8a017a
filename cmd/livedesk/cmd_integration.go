package main

import (
	"bufio"
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
		fmt.Fprintln(stderr, "usage: livedesk integration set --shop S --platform doudian --app-key K [--api-url U] [--shop-id ID]  (app secret on standard input)")
		fmt.Fprintln(stderr, "       livedesk integration set --shop S --platform tiktok --app-key K [--api-url U] [--shop-cipher C] [--auth-url U]")
		fmt.Fprintln(stderr, "           (standard input: the app secret, then optionally the access token and the refresh token, one a line)")
		fmt.Fprintln(stderr, "       livedesk integration set --shop S --platform qianchuan --advertiser-id A --aweme-id W [--room R] [--api-url U]  (access token on standard input)")
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
	shopID := fs.String("shop-id", "", "抖店: the platform shop id; a self-use app creates its access token (token.create) for it")
	shopCipher := fs.String("shop-cipher", "", "TikTok Shop: the shop_cipher of a cross-border shop, sent with order-detail calls")
	authURL := fs.String("auth-url", "", "TikTok Shop: the token endpoint's base URL (default "+platform.DefaultTikTokAuthURL+")")
	advertiser := fs.String("advertiser-id", "", "千川: the advertiser account id whose live report is polled")
	aweme := fs.String("aweme-id", "", "千川: the Douyin account id (aweme_id) that goes live")
	room := fs.String("room", "", "千川: the livedesk room the spend belongs to (default: the shop's live room)")
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
		if *plat == platform.Qianchuan {
			return setQianchuan(ctx, store, platform.Integration{Shop: *shop, Platform: *plat, AdvertiserID: *advertiser,
				AwemeID: *aweme, Room: *room, APIURL: *apiURL, By: "cli"}, stdout)
		}
		if *shop == "" || *plat == "" || *appKey == "" {
			return errors.New("integration set needs --shop, --platform and --app-key, and the app secret on standard input")
		}
		in := integrationStdin
		if in == nil {
			in = os.Stdin
		}
		lines, err := readLines(in, 3)
		if err != nil || len(lines) == 0 || lines[0] == "" {
			return errors.New("no app secret on standard input (e.g. printf '%s\\n' \"$APP_SECRET\" | livedesk integration set …)")
		}
		it := platform.Integration{Shop: *shop, Platform: *plat, AppKey: *appKey, Secret: lines[0],
			APIURL: *apiURL, ShopID: *shopID, ShopCipher: *shopCipher, AuthURL: *authURL, By: "cli"}
		if len(lines) > 1 {
			if *plat != platform.TikTok {
				return errors.New("only TikTok Shop takes tokens on standard input; 抖店 self-use apps create theirs (--shop-id)")
			}
			it.AccessToken = lines[1]
			if len(lines) > 2 {
				it.RefreshToken = lines[2]
			}
		}
		if err := store.Put(ctx, it); err != nil {
			return err
		}
		what := "secret"
		if it.AccessToken != "" || it.RefreshToken != "" {
			what = "secret and tokens"
		}
		fmt.Fprintf(stdout, "%s integration of shop %s saved (%s encrypted; not shown again)\n", *plat, *shop, what)
		if *plat == platform.Doudian && *shopID == "" && *apiURL != "" {
			fmt.Fprintln(stdout, "no --shop-id: order enrichment cannot create its access token until it is set")
		}
		if *plat == platform.TikTok && it.AccessToken == "" && it.RefreshToken == "" && *apiURL != "" {
			fmt.Fprintln(stdout, "no tokens given: order enrichment keeps the stored ones, if any (standard input lines 2 and 3)")
		}
		fmt.Fprintf(stdout, "register this push URL with the platform: %s\n", platform.HookURL(cfg.BaseURL, *plat, *shop))
	case "list":
		list, err := store.List(ctx, *shop)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SHOP\tPLATFORM\tAPP KEY\tSECRET\tTOKEN\tAPI URL\tSHOP ID/CIPHER\tPUSH URL\tUPDATED")
		dash := func(s string) string {
			if s == "" {
				return "-"
			}
			return s
		}
		for _, in := range list {
			tok := in.AccessToken // masked or empty
			if tok != "" && !in.TokenExpires.IsZero() {
				tok += " (until " + in.TokenExpires.In(cfg.Location).Format("2006-01-02 15:04") + ")"
			}
			key, push, ids := in.AppKey, platform.HookURL(cfg.BaseURL, in.Platform, in.Shop), in.ShopID+in.ShopCipher
			if in.Platform == platform.Qianchuan { // no app, no push: the polled accounts instead
				key, push, ids = "-", "-", "advertiser "+in.AdvertiserID+" aweme "+in.AwemeID
				if in.Room != "" {
					ids += " room " + in.Room
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.Shop, in.Platform, key, in.Secret, dash(tok),
				dash(in.APIURL), dash(ids), push, in.Updated.In(cfg.Location).Format("2006-01-02 15:04"))
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

// readLines reads up to n lines (without their line ends) from r; the last may lack its "\n".
func readLines(r io.Reader, n int) ([]string, error) {
	br := bufio.NewReader(r)
	var out []string
	for len(out) < n {
		line, err := br.ReadString('\n')
		if line != "" {
			out = append(out, strings.TrimRight(line, "\r\n"))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out, nil
}

// setQianchuan stores a 千川 integration: the accounts from the flags, the access token from
// standard input.
func setQianchuan(ctx context.Context, store *platform.Integrations, it platform.Integration, stdout io.Writer) error {
	if it.Shop == "" || it.AdvertiserID == "" || it.AwemeID == "" {
		return errors.New("integration set --platform qianchuan needs --shop, --advertiser-id and --aweme-id, and the access token on standard input")
	}
	in := integrationStdin
	if in == nil {
		in = os.Stdin
	}
	lines, err := readLines(in, 1)
	if err != nil || len(lines) == 0 || strings.TrimSpace(lines[0]) == "" {
		return errors.New("no access token on standard input (e.g. printf '%s\\n' \"$QIANCHUAN_TOKEN\" | livedesk integration set …)")
	}
	it.AccessToken = strings.TrimSpace(lines[0])
	if err := store.Put(ctx, it); err != nil {
		return err
	}
	where := "the shop's live room"
	if it.Room != "" {
		where = "room " + it.Room
	}
	fmt.Fprintf(stdout, "qianchuan integration of shop %s saved (access token encrypted; not shown again)\n", it.Shop)
	fmt.Fprintf(stdout, "while a session of %s is live, the live report of advertiser %s is polled once a minute; stat_cost increases become ad spend\n", where, it.AdvertiserID)
	return nil
}
