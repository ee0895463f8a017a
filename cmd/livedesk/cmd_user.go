package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/live"
)

// userStdin is where user add reads the password (tests replace it).
var userStdin io.Reader // nil: os.Stdin

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "list" && args[0] != "disable") {
		fmt.Fprintln(stderr, "usage: livedesk user add --shop S --user U --role admin|operator|anchor|viewer  (password on standard input)")
		fmt.Fprintln(stderr, "       livedesk user list [--shop S]")
		fmt.Fprintln(stderr, "       livedesk user disable --shop S --user U")
		return errUsage
	}
	sub := args[0]
	fs := newFlagSet("user "+sub, "user "+sub+" [flags]", stderr)
	shop := fs.String("shop", "", "shop the user belongs to")
	name := fs.String("user", "", "login name")
	role := fs.String("role", "", "admin, operator, anchor or viewer")
	cfg, err := configFromFlags(fs, args[1:])
	if err != nil {
		return err
	}
	conn, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	users := account.NewUsers(conn)
	switch sub {
	case "add":
		if *shop == "" || *name == "" || *role == "" {
			return errors.New("user add needs --shop, --user and --role, and the password on standard input")
		}
		in := userStdin
		if in == nil {
			in = os.Stdin
		}
		pass, err := readPassword(in)
		if err != nil {
			return err
		}
		existed, err := users.Put(ctx, *shop, *name, *role, pass)
		if err != nil {
			return err
		}
		verb := "added"
		if existed {
			verb = "updated (new password and role, enabled)"
		}
		fmt.Fprintf(stdout, "%s %s in shop %s as %s\n", verb, *name, *shop, *role)
	case "list":
		list, err := users.List(ctx, *shop)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SHOP\tUSER\tROLE\tSTATE\tUPDATED")
		for _, u := range list {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Shop, u.Name, u.Role, state, u.Updated.In(cfg.Location).Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	case "disable":
		if *shop == "" || *name == "" {
			return errors.New("user disable needs --shop and --user")
		}
		if err := users.Disable(ctx, *shop, *name); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "disabled %s in shop %s; open pages log out within seconds\n", *name, *shop)
	}
	return nil
}

// readPassword reads the first line of r (a pipe or a typed line; it is not echoed back).
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pass := strings.TrimRight(line, "\r\n")
	if pass == "" {
		return "", errors.New("no password on standard input (e.g. echo 'secret-pass' | livedesk user add …)")
	}
	return pass, nil
}

// devLogin gives `make run` a ready operator login, kept in .data/dev-login between runs, and
// its room.
func devLogin(ctx context.Context, d *devEnv) error {
	path := filepath.Join(d.Dir, "dev-login")
	pass := ""
	if b, err := os.ReadFile(path); err == nil {
		pass = strings.TrimSpace(string(b))
	}
	if len(pass) < 8 {
		var b [9]byte
		_, _ = rand.Read(b[:])
		pass = base64.RawURLEncoding.EncodeToString(b[:])
		if err := os.WriteFile(path, []byte(pass+"\n"), 0o600); err != nil {
			return fmt.Errorf("save dev login: %w", err)
		}
	}
	users := account.NewUsers(d.Main.CH)
	for _, l := range devLogins {
		if _, err := users.Put(ctx, d.Shop, l.User, l.Role, pass); err != nil {
			return err
		}
	}
	d.User, d.Pass = "operator", pass
	return devRoom(ctx, d)
}

// devLogins are the logins `make run` prints, one per role a new user should try, with the page
// each should open first (%s is the room).
var devLogins = []struct{ User, Role, Open, Why string }{
	{"admin", account.RoleAdmin, "/jobs", "job settings, integrations, product import, everything"},
	{"operator", account.RoleOperator, "/rooms/%s", "drives the stream: control room, pin, flash sale, cues, tasks"},
	{"anchor", account.RoleAnchor, "/rooms/%s/prompter", "the prompter only, on the anchor's tablet"},
}

// devRoom creates the dev room as the room list's form would, so the printed control room link
// works before any event arrives.
func devRoom(ctx context.Context, d *devEnv) error {
	return live.NewRooms(d.Main.CH).Create(ctx, d.Shop, d.Room, time.Now())
}
