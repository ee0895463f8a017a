package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

func TestUserCommand(t *testing.T) {
	opts, _ := localtest.Database(t)
	ctx := context.Background()
	common := []string{"--clickhouse-addr", opts.Addr, "--clickhouse-db", opts.Database}
	runUserCmd := func(stdin string, args ...string) (int, string, string) {
		userStdin = strings.NewReader(stdin)
		defer func() { userStdin = nil }()
		var out, errb bytes.Buffer
		code := run(ctx, append(append([]string{"user"}, args...), common...), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := runUserCmd("s3cret-pass\n", "add", "--shop", "shop1", "--user", "op", "--role", "operator"); code != 0 || !strings.Contains(out, "added op in shop shop1 as operator") {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	if code, _, errs := runUserCmd("", "add", "--shop", "shop1", "--user", "op2", "--role", "operator"); code != 1 || !strings.Contains(errs, "no password on standard input") {
		t.Fatalf("add without password: %d %q", code, errs)
	}
	if code, _, errs := runUserCmd("s3cret-pass\n", "add", "--shop", "shop1", "--user", "op2", "--role", "boss"); code != 1 || !strings.Contains(errs, "is not one of admin, operator, anchor, viewer") {
		t.Fatalf("bad role: %d %q", code, errs)
	}
	if code, out, _ := runUserCmd("other-pass-1\n", "add", "--shop", "shop1", "--user", "op", "--role", "viewer"); code != 0 || !strings.Contains(out, "updated") {
		t.Fatalf("re-add: %d %q", code, out)
	}
	if code, out, errs := runUserCmd("", "disable", "--shop", "shop1", "--user", "op"); code != 0 || !strings.Contains(out, "disabled op") {
		t.Fatalf("disable: %d %q %q", code, out, errs)
	}
	code, out, _ := runUserCmd("", "list", "--shop", "shop1")
	if code != 0 || !strings.Contains(out, "shop1") || !strings.Contains(out, "viewer") || !strings.Contains(out, "disabled") || strings.Contains(out, "s3cret") {
		t.Fatalf("list: %d %q", code, out)
	}
	if code, _, _ := runUserCmd("", "bogus"); code != 2 {
		t.Fatalf("unknown sub-command: %d", code)
	}
}
