package main

import (
	"slices"
	"testing"
)

func TestParseRedisURL(t *testing.T) {
	for _, tc := range []struct {
		url     string
		addrs   []string // nil: a single server
		user    string
		wantErr bool
	}{
		{url: "redis://127.0.0.1:6379/0"},
		{url: "redis+cluster://h1:7000,h2:7001,h3:7002", addrs: []string{"h1:7000", "h2:7001", "h3:7002"}},
		{url: "redis+cluster://u:p@h1:7000,h2:7001/?dial_timeout=2", addrs: []string{"h1:7000", "h2:7001"}, user: "u"},
		{url: "rediss+cluster://h1:7000", addrs: []string{"h1:7000"}},
		{url: "redis+cluster://", wantErr: true},
		{url: "redis+cluster://h1", wantErr: true},
		{url: "redis+cluster://h1:7000?bogus=1", wantErr: true},
		{url: "http://h1:7000", wantErr: true},
	} {
		one, cl, err := parseRedisURL(tc.url)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err = %v", tc.url, err)
			continue
		}
		if err != nil {
			continue
		}
		if tc.addrs == nil {
			if one == nil || cl != nil {
				t.Errorf("%s: want a single server", tc.url)
			}
			continue
		}
		if cl == nil || !slices.Equal(cl.Addrs, tc.addrs) || cl.Username != tc.user {
			t.Errorf("%s: got %+v", tc.url, cl)
		}
	}
}
