package livedesk

import (
	"strconv"
	"strings"
)

// Money is always integer fen (1/100 yuan) in memory, in storage and on the wire; it becomes
// yuan text only when shown or exported, through the functions here.

// MaxMoneyFen is the largest amount a person may type: ¥100,000,000.00.
const MaxMoneyFen int64 = 100_000_000_00

// ErrMoney is returned by ParseYuan for text that is not an amount of yuan with at most two
// decimals.
var ErrMoney = &Error{Code: EINVALID, Key: "error.money",
	Message: "not an amount in yuan with at most 2 decimals (e.g. 19.90)", MessageZH: "不是有效的金额（最多两位小数，例如 19.90）"}

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
	if !Digits(whole) || len(whole) > 12 || (dot && (len(frac) == 0 || len(frac) > 2 || !Digits(frac))) {
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

// Digits reports whether s is one or more ASCII digits.
func Digits(s string) bool {
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
	sign, whole, cents := yuanParts(fen)
	return sign + strconv.FormatUint(whole, 10) + cents
}

// FormatYuanShort is FormatYuan without trailing zeros ("19.9", "20"), as the anchor says it.
func FormatYuanShort(fen int64) string {
	s := strings.TrimRight(FormatYuan(fen), "0")
	return strings.TrimSuffix(s, ".")
}

// Money formats fen as yuan for people: a sign, two decimals and thousands separators,
// 123456 → "¥1,234.56".
func Money(fen int64) string {
	sign, whole, cents := yuanParts(fen)
	return sign + "¥" + group(whole) + cents
}

// yuanParts splits fen into its sign ("" or "-"), whole yuan and ".NN".
func yuanParts(fen int64) (sign string, whole uint64, cents string) {
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-fen)
	}
	c := u % 100
	return sign, u / 100, "." + string(rune('0'+c/10)) + string(rune('0'+c%10))
}

// Yuan is fen as a float of yuan, for spreadsheet cells formatted as money.
func Yuan(fen int64) float64 { return float64(fen) / 100 }

// Int formats n with thousands separators: 1234567 → "1,234,567".
func Int(n int64) string {
	if n < 0 {
		return "-" + group(uint64(-n))
	}
	return group(uint64(n))
}

// group writes u with a comma every three digits.
func group(u uint64) string {
	s := strconv.FormatUint(u, 10)
	if len(s) <= 3 {
		return s
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	lead := len(s) % 3
	if lead > 0 {
		out = append(out, s[:lead]...)
	}
	for i := lead; i < len(s); i += 3 {
		if len(out) > 0 {
			out = append(out, ',')
		}
		out = append(out, s[i:i+3]...)
	}
	return string(out)
}
