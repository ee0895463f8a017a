package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/livedesk/livedesk/shops"
)

// runShop sets or lists the shops' own time zone and currency.
func runShop(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "set" && args[0] != "list") {
		fmt.Fprintln(stderr, "usage: livedesk shop set --shop S [--tz Asia/Jakarta] [--currency IDR]")
		fmt.Fprintln(stderr, "       livedesk shop list")
		return errUsage
	}
	sub := args[0]
	fs := newFlagSet("shop "+sub, "shop "+sub+" [flags]", stderr)
	shop := fs.String("shop", "", "the shop")
	zone := fs.String("tz", "", "IANA time zone, e.g. Asia/Shanghai, Asia/Jakarta, America/Los_Angeles (default for new shops: LIVEDESK_TZ)")
	currency := fs.String("currency", "", "ISO 4217 code: CNY (default), USD, GBP, EUR, IDR, MYR, PHP, SGD, THB, VND")
	cfg, err := configFromFlags(fs, args[1:])
	if err != nil {
		return err
	}
	conn, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	st := shops.New(conn, cfg.Location)
	if sub == "list" {
		all, err := st.All(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "SHOP\tTIME ZONE\tCURRENCY\tUPDATED")
		for _, s := range all {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Shop, s.Zone, s.Currency.Code, s.Updated.Format("2006-01-02 15:04"))
		}
		fmt.Fprintf(tw, "(others)\t%s\tCNY\t\n", cfg.Location)
		return tw.Flush()
	}
	if *shop == "" || (*zone == "" && *currency == "") {
		return errors.New("shop set needs --shop and at least one of --tz and --currency")
	}
	s, err := st.Save(ctx, *shop, *zone, *currency, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "shop %s: time zone %s, currency %s (amounts on the wire in 1/%d %s)\n", s.Shop, s.Zone, s.Currency.Code,
		pow10(s.Currency.Digits), s.Currency.Code)
	return nil
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}
