package livedesk

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestParseYuan(t *testing.T) {
	good := map[string]int64{
		"19.90": 1990, "19.9": 1990, "¥19.90": 1990, "￥1,299": 129900, "0.01": 1, "0.1": 10,
		"100": 10000, " 8.05元 ": 805, ".5": 50, "1.15": 115, "4.35": 435, "1234567.89": 123456789,
	}
	for in, want := range good {
		got, err := ParseYuan(in)
		if err != nil || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "19.999", "-1", "1.2.3", "1e3", "19.", "¥", "12 34"} {
		if got, err := ParseYuan(in); err == nil || ErrorCode(err) != EINVALID {
			t.Errorf("ParseYuan(%q) = %d, %v; want an invalid error", in, got, err)
		}
	}
	// Every amount 0.00 … 99.99 round-trips exactly (the classic float bugs: 0.29, 1.15, 4.35).
	for fen := int64(0); fen < 10000; fen++ {
		s := FormatYuan(fen)
		got, err := ParseYuan(s)
		if err != nil || got != fen {
			t.Fatalf("round trip %d → %q → %d, %v", fen, s, got, err)
		}
	}
}

func TestMoneyFormats(t *testing.T) {
	for _, c := range []struct {
		fen                int64
		yuan, short, money string
	}{
		{0, "0.00", "0", "¥0.00"},
		{5, "0.05", "0.05", "¥0.05"},
		{1990, "19.90", "19.9", "¥19.90"},
		{9900, "99.00", "99", "¥99.00"},
		{123456, "1234.56", "1234.56", "¥1,234.56"},
		{-100, "-1.00", "-1", "-¥1.00"},
		{100_000_000_00, "100000000.00", "100000000", "¥100,000,000.00"},
	} {
		if got := FormatYuan(c.fen); got != c.yuan {
			t.Errorf("FormatYuan(%d) = %q, want %q", c.fen, got, c.yuan)
		}
		if got := FormatYuanShort(c.fen); got != c.short {
			t.Errorf("FormatYuanShort(%d) = %q, want %q", c.fen, got, c.short)
		}
		if got := Money(c.fen); got != c.money {
			t.Errorf("Money(%d) = %q, want %q", c.fen, got, c.money)
		}
	}
	if got := Int(-1234567); got != "-1,234,567" {
		t.Errorf("Int = %q", got)
	}
}

func TestMetricDefinitions(t *testing.T) {
	for _, c := range []struct {
		name     string
		r        Ratio
		want     float64
		num, den float64
	}{
		{"CTR = clicks/impressions", CTR(120, 1000), 0.12, 120, 1000},
		{"CVR = buyers/clickers", CVR(5, 100), 0.05, 5, 100},
		{"order rate = orders/clicks", OrderRate(6, 120), 0.05, 6, 120},
		{"GPM = GMV/views×1000", GPM(59940, 200), 299700, 59940, 200},
		{"UV value = GMV/viewers", UVValue(59940, 150), 399.6, 59940, 150},
		{"ROI = GMV/ad spend", ROI(59940, 20000), 2.997, 59940, 20000},
	} {
		if !c.r.OK || math.Abs(c.r.Value-c.want) > 1e-9 || c.r.Num != c.num || c.r.Den != c.den {
			t.Errorf("%s: %+v, want %v = %v/%v", c.name, c.r, c.want, c.num, c.den)
		}
	}
	if r := CTR(5, 0); r.OK || r.Or(-1) != -1 {
		t.Errorf("a rate over nothing must be undefined: %+v", r)
	}
}

func TestRatioJSON(t *testing.T) {
	b, _ := json.Marshal(GPM(59940, 200))
	if string(b) != `{"num":59940,"den":200,"scale":1000,"value":299700,"ok":true}` {
		t.Errorf("defined: %s", b)
	}
	b, _ = json.Marshal(CVR(3, 0))
	if string(b) != `{"num":3,"den":0,"scale":1,"value":null,"ok":false}` {
		t.Errorf("undefined: %s", b)
	}
	for _, in := range []string{string(b), `{"num":3,"den":0,"scale":1,"value":0,"ok":false}`} {
		var r Ratio
		if err := json.Unmarshal([]byte(in), &r); err != nil || r.OK || r.Num != 3 {
			t.Errorf("read %s: %+v %v", in, r, err)
		}
	}
	var r Ratio
	if err := json.Unmarshal([]byte(`{"num":1,"den":4,"scale":1,"value":0.25,"ok":true}`), &r); err != nil || r != CTR(1, 4) {
		t.Errorf("round trip: %+v %v", r, err)
	}
}

func TestErrorKinds(t *testing.T) {
	notFound := &Error{Code: ENOTFOUND, Key: "error.notfound", Message: "live: no such flag"}
	wrapped := fmt.Errorf("stage: ack: %w", notFound)
	for _, c := range []struct {
		err    error
		code   string
		status int
	}{
		{nil, "", 200},
		{wrapped, ENOTFOUND, 404},
		{Invalid("price", "too high", "太高"), EINVALID, 400},
		{Errorf(ECONFLICT, "stale"), ECONFLICT, 409},
		{Errorf(EFORBIDDEN, "no"), EFORBIDDEN, 403},
		{Errorf(EUNAVAILABLE, "down"), EUNAVAILABLE, 503},
		{errors.New("boom"), EINTERNAL, 500},
	} {
		if got := ErrorCode(c.err); got != c.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", c.err, got, c.code)
		}
		if got := HTTPStatus(c.err); got != c.status {
			t.Errorf("HTTPStatus(%v) = %d, want %d", c.err, got, c.status)
		}
	}
	if !errors.Is(wrapped, notFound) || !errors.Is(wrapped, &Error{Code: ENOTFOUND}) || errors.Is(wrapped, &Error{Code: EINVALID}) {
		t.Error("errors.Is by kind")
	}
	inv := Invalid("price", "too high", "太高")
	if ErrorMessage(inv, "en") != "too high" || ErrorMessage(inv, "zh-CN") != "太高" || ErrorOf(inv).Field != "price" {
		t.Errorf("invalid texts: %+v", inv)
	}
	if ErrorMessage(wrapped, "zh-CN") != "" || ErrorMessage(errors.New("x"), "en") != "" {
		t.Error("a log-only message must never be shown")
	}
}

func TestValidID(t *testing.T) {
	for _, ok := range []string{"shop1", "r-1_a.b", "A"} {
		if err := ValidID(ok); err != nil {
			t.Errorf("ValidID(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "a/b", "../x", string(make([]byte, 65))} {
		if ValidID(bad) == nil {
			t.Errorf("ValidID(%q) accepted", bad)
		}
	}
	if ValidUserName("ops@shop") != nil || ValidID("ops@shop") == nil {
		t.Error("'@' is for user names only")
	}
}

func TestValidRoom(t *testing.T) {
	for _, ok := range []string{"r1", "直播间1", "女装-专场_2.0", "ライブ", "Live.Room"} {
		if err := ValidRoom(ok); err != nil {
			t.Errorf("ValidRoom(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "..", ".", "../../jobs", "a/b", `a\b`, "a b", "a?b", "a#b", "a%2F", "r\x00", "r\n", strings.Repeat("直", 65)} {
		if ValidRoom(bad) == nil {
			t.Errorf("ValidRoom(%q) accepted", bad)
		}
	}
}
