package outbound

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestPublic(t *testing.T) {
	for _, c := range []struct {
		ip   string
		want bool
	}{
		{"8.8.8.8", true}, {"1.1.1.1", true}, {"2606:4700:4700::1111", true},
		{"127.0.0.1", false}, {"127.8.9.10", false}, {"::1", false}, {"0.0.0.0", false}, {"::", false},
		{"10.1.2.3", false}, {"172.16.0.1", false}, {"192.168.1.1", false}, {"169.254.169.254", false},
		{"100.64.0.1", false}, {"fc00::1", false}, {"fe80::1", false}, {"::ffff:127.0.0.1", false},
		{"224.0.0.1", false}, {"198.18.0.1", false}, {"240.0.0.1", false},
	} {
		if got := Public(netip.MustParseAddr(c.ip)); got != c.want {
			t.Errorf("Public(%s) = %v, want %v", c.ip, got, c.want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for _, bad := range []string{"ftp://x.example/", "https://", "https://user:pass@x.example/hook", "javascript:alert(1)", "/relative"} {
		if CheckURL(bad) == nil {
			t.Errorf("CheckURL(%q) accepted", bad)
		}
	}
	if err := CheckURL("https://open.feishu.cn/open-apis/bot/v2/hook/abc"); err != nil {
		t.Error(err)
	}
}

// TestClientRefusesLoopbackAndRedirects: the SSRF targets a shop admin could name are refused
// when dialled, by address or by a name that resolves to one; redirects are never followed.
func TestClientRefusesLoopbackAndRedirects(t *testing.T) {
	hit := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit++
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/target", http.StatusTemporaryRedirect)
			return
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	c := Client(5*time.Second, false)
	for _, u := range []string{srv.URL + "/x", "http://localhost" + port + "/x", "http://0.0.0.0" + port + "/x", "http://[::1]" + port + "/x"} {
		resp, err := c.Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			t.Errorf("POST %s reached the server", u)
		} else if !errors.Is(err, ErrNotPublic) && !strings.Contains(err.Error(), "not a public address") {
			t.Errorf("POST %s: %v", u, err)
		}
	}
	if hit != 0 {
		t.Fatalf("the loopback server was hit %d times", hit)
	}
	resp, err := Client(5*time.Second, true).Post(srv.URL+"/redirect", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || hit != 1 {
		t.Fatalf("redirect followed: %d, %d hits", resp.StatusCode, hit)
	}
}
