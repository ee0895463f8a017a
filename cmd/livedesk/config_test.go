package main

import (
	"flag"
	"io"
	"strings"
	"testing"
)

// TestConfigDefaults: session cookies are Secure by default behind an https base URL, and every
// problem of a bad configuration is listed at once.
func TestConfigDefaults(t *testing.T) {
	parse := func(args ...string) (Config, error) {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var c Config
		BindConfig(fs, &c)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return c, c.Validate()
	}
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"--base-url", "https://desk.example.com"}, true},
		{[]string{"--base-url", "http://10.0.0.5:8080"}, false},
		{nil, false},
		{[]string{"--base-url", "https://desk.example.com", "--secure-cookies", "false"}, false},
		{[]string{"--secure-cookies", "true"}, true},
	} {
		c, err := parse(tc.args...)
		if err != nil || c.SecureCookies != tc.want {
			t.Errorf("%v: secure %v (%v), want %v", tc.args, c.SecureCookies, err, tc.want)
		}
	}
	if c, err := parse(); err != nil || c.MemoryLimitMB != 256 {
		t.Errorf("memory limit %d MiB (%v), want 256 by default", c.MemoryLimitMB, err)
	}
	_, err := parse("--secure-cookies", "maybe", "--tz", "Mars/Base", "--trusted-proxies", "not-an-ip", "--memory-limit-mb", "lots")
	for _, want := range []string{"LIVEDESK_SECURE_COOKIES", "LIVEDESK_TZ", "LIVEDESK_TRUSTED_PROXIES", "LIVEDESK_MEMORY_LIMIT_MB"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("the problems listed do not name %s: %v", want, err)
		}
	}
}
