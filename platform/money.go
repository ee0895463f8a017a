package platform

import (
	"fmt"
	"strconv"
	"strings"
)

// DecimalToFen converts a decimal amount in major units ("12.3", "0.05", "199") to integer
// minor units (fen/cents) exactly, without floats. More than two decimals are refused unless
// they are zeros; so are signs, exponents and empty strings.
func DecimalToFen(s string) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, dot := strings.Cut(s, ".")
	if s == "" || whole == "" && frac == "" || dot && frac == "" && whole == "" {
		return 0, fmt.Errorf("amount %q: not a decimal number", s)
	}
	if whole == "" {
		whole = "0"
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("amount %q: not a decimal number", s)
		}
	}
	if t := strings.TrimRight(frac, "0"); len(t) > 2 {
		return 0, fmt.Errorf("amount %q: more than 2 decimals", s)
	}
	frac = (frac + "00")[:2]
	if len(whole) > 16 {
		return 0, fmt.Errorf("amount %q: too large", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %v", s, err)
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, nil
}
