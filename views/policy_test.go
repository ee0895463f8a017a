package views

import (
	"strings"
	"testing"
)

// TestPagePolicy: pages load scripts, images and connections from this server only; an image
// link of someone's choosing cannot make an operator's browser call out.
func TestPagePolicy(t *testing.T) {
	directives := map[string]string{}
	for _, d := range strings.Split(pagePolicy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	for name, want := range map[string]string{
		"default-src": "'self'", "script-src": "'self'", "img-src": "'self' data:", "connect-src": "'self'",
		"object-src": "'none'", "frame-ancestors": "'none'", "base-uri": "'none'",
	} {
		if got := directives[name]; got != want {
			t.Errorf("%s is %q, want %q", name, got, want)
		}
	}
}
