package views

import "testing"

func TestLocalPath(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/rooms/r1", "/rooms/r1"},
		{"/tasks?status=done&type=ship", "/tasks?status=done&type=ship"},
		{"/", "/"},
		{"", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\r\nSet-Cookie: ld_session=x", "/"},
		{"/rooms/\n", "/"},
		{"/a\\b", "/"},
		{"/\x7f", "/"},
		{"rooms", "/"},
		{"/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"}, // still encoded: a harmless path on this site
	} {
		if got := localPath(c.in); got != c.want {
			t.Errorf("localPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
