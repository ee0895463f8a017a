package live

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// ErrMoney is returned by ParseYuan for text that is not an amount of yuan with at most two
// decimals.
var ErrMoney = errors.New("not an amount in yuan with at most 2 decimals (e.g. 19.90)")

// ParseYuan converts an amount typed by an operator ("19.9", "¥19.90", "￥1,299", "19.90元") to
// integer fen, exactly: the digits are read as integers, never through a float, so 19.90 is
// always 1990. Negative amounts and more than two decimals are refused.
func ParseYuan(s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "¥")
	s = strings.TrimPrefix(s, "￥")
	s = strings.TrimSuffix(s, "元")
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	s = strings.ReplaceAll(s, "，", "")
	if s == "" {
		return 0, ErrMoney
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" && dot {
		whole = "0"
	}
	if !digits(whole) || len(whole) > 12 || (dot && (len(frac) == 0 || len(frac) > 2 || !digits(frac))) {
		return 0, ErrMoney
	}
	y, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, ErrMoney
	}
	var f int64
	if dot {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	return y*100 + f, nil
}

// parseSheetYuan is ParseYuan for spreadsheet cells: a number cell may arrive as the binary
// float Excel stored (19.899999999999999). Such text is accepted only when it is within 1e-6 of
// a whole number of fen, and then rounded to that fen.
func parseSheetYuan(s string) (int64, error) {
	fen, err := ParseYuan(s)
	if err == nil {
		return fen, nil
	}
	t := strings.TrimSpace(s)
	whole, frac, dot := strings.Cut(t, ".")
	if !dot || !digits(whole) || !digits(frac) {
		return 0, err
	}
	v, perr := strconv.ParseFloat(t, 64)
	if perr != nil || v < 0 || v > float64(MaxMoneyFen)/100 || math.IsNaN(v) {
		return 0, err
	}
	x := v * 100
	r := math.Round(x)
	if math.Abs(x-r) > 1e-6 {
		return 0, err
	}
	return int64(r), nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatYuan writes fen as yuan with two decimals and no currency sign ("19.90"), the form
// exports use so that a re-import reads the same amount.
func FormatYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	c := fen % 100
	return sign + strconv.FormatInt(fen/100, 10) + "." + string(rune('0'+c/10)) + string(rune('0'+c%10))
}
