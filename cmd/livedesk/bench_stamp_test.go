package main

import "testing"

// TestStampOf: the fan-out clients read both stamps of a message, whichever way the server
// wrapped it, and a missing stamp reads as 0.
func TestStampOf(t *testing.T) {
	for _, tc := range []struct {
		msg, key string
		want     int64
	}{
		{`{"seq":3,"kind":"tick","room":"r1","data":{"sent":17,"call":29,"pad":"x"}}`, "sent", 17},
		{`{"seq":3,"kind":"tick","room":"r1","data":{"sent":17,"call":29,"pad":"x"}}`, "call", 29},
		{`{"push":{"channel":"r1","pub":{"data":{"sent":1796283425587000000,"call":1796283425590000000}}}}`, "call", 1796283425590000000},
		{`{"data":{"resent":5,"sent":7}}`, "sent", 7},
		{`{"data":{"sent":7}}`, "call", 0},
		{`{}`, "sent", 0},
	} {
		if got := stampOf([]byte(tc.msg), tc.key); got != tc.want {
			t.Errorf("stampOf(%s, %q) = %d, want %d", tc.msg, tc.key, got, tc.want)
		}
	}
}
