package livedesk

import "testing"

// TestCurrencyParse: what a person types in the shop's currency becomes its minor unit exactly;
// more decimals than the currency has is refused, not rounded.
func TestCurrencyParse(t *testing.T) {
	for _, c := range []struct {
		code, in string
		want     int64
		bad      bool
	}{
		{"CNY", "9.90", 990, false}, {"CNY", "¥1,299", 129900, false}, {"CNY", "19.9元", 1990, false},
		{"USD", "19.99", 1999, false}, {"USD", "$5", 500, false}, {"USD", "0.5", 50, false}, {"USD", "1.999", 0, true},
		{"VND", "50000", 50000, false}, {"VND", "50,000₫", 50000, false}, {"VND", "50000.5", 0, true},
		{"IDR", "15000", 1500000, false}, {"EUR", "€3.20", 320, false}, {"THB", "฿", 0, true},
		{"GBP", "-1", 0, true}, {"SGD", "abc", 0, true}, {"MYR", "RM 12.30", 1230, false},
	} {
		got, err := CurrencyOf(c.code).Parse(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("%s %q: %d, %v", c.code, c.in, got, err)
		}
	}
}
