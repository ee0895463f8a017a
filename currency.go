package livedesk

import (
	"strconv"
	"strings"
)

// Currency is a shop's currency. Amounts are integers in the currency's minor unit everywhere
// (memory, storage, the wire): fen for CNY, cents for USD, whole đồng for VND. Digits is the
// ISO 4217 minor-unit exponent: 2 for every supported currency but VND (0). IDR's ISO 4217
// exponent is 2 (sen), so an IDR amount on the wire is in 1/100 rupiah even though prices are
// usually written without decimals; the display follows ISO as well.
type Currency struct {
	Code   string // ISO 4217 code
	Digits int    // minor-unit exponent
	Symbol string
	Suffix bool // the symbol follows the amount (12,000₫)
}

// DefaultCurrency is the currency of a shop that has not chosen one.
const DefaultCurrency = "CNY"

var currencies = map[string]Currency{
	"CNY": {Code: "CNY", Digits: 2, Symbol: "¥"},
	"USD": {Code: "USD", Digits: 2, Symbol: "$"},
	"GBP": {Code: "GBP", Digits: 2, Symbol: "£"},
	"EUR": {Code: "EUR", Digits: 2, Symbol: "€"},
	"IDR": {Code: "IDR", Digits: 2, Symbol: "Rp"},
	"MYR": {Code: "MYR", Digits: 2, Symbol: "RM"},
	"PHP": {Code: "PHP", Digits: 2, Symbol: "₱"},
	"SGD": {Code: "SGD", Digits: 2, Symbol: "S$"},
	"THB": {Code: "THB", Digits: 2, Symbol: "฿"},
	"VND": {Code: "VND", Digits: 0, Symbol: "₫", Suffix: true},
}

// CurrencyCodes lists the supported currencies, CNY first.
var CurrencyCodes = []string{"CNY", "USD", "GBP", "EUR", "IDR", "MYR", "PHP", "SGD", "THB", "VND"}

// LookupCurrency returns the supported currency with ISO code (case-insensitive).
func LookupCurrency(code string) (Currency, bool) {
	c, ok := currencies[strings.ToUpper(strings.TrimSpace(code))]
	return c, ok
}

// CurrencyOf returns the currency with code, or CNY when code is not supported.
func CurrencyOf(code string) Currency {
	if c, ok := LookupCurrency(code); ok {
		return c
	}
	return currencies[DefaultCurrency]
}

// Plain writes minor units as a decimal number without symbol or separators ("19.90", VND
// "19900"), the form exports use.
func (c Currency) Plain(minor int64) string {
	sign, whole, frac := c.parts(minor)
	return sign + strconv.FormatUint(whole, 10) + frac
}

// Format writes minor units for people: sign, symbol, thousands separators and the currency's
// decimals ("¥1,234.56", "$0.99", "12,000₫").
func (c Currency) Format(minor int64) string {
	sign, whole, frac := c.parts(minor)
	if c.Suffix {
		return sign + group(whole) + frac + c.Symbol
	}
	return sign + c.Symbol + group(whole) + frac
}

// Major is minor units as a float of the major unit, for spreadsheet cells.
func (c Currency) Major(minor int64) float64 {
	f := float64(minor)
	for range c.Digits {
		f /= 10
	}
	return f
}

// NumberFormat is the spreadsheet number format of the currency's amounts ("#,##0.00").
func (c Currency) NumberFormat() string {
	if c.Digits == 0 {
		return "#,##0"
	}
	return "#,##0." + strings.Repeat("0", c.Digits)
}

func (c Currency) parts(minor int64) (sign string, whole uint64, frac string) {
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", uint64(-minor)
	}
	if c.Digits == 0 {
		return sign, u, ""
	}
	div := uint64(1)
	for range c.Digits {
		div *= 10
	}
	f := strconv.FormatUint(u%div, 10)
	return sign, u / div, "." + strings.Repeat("0", c.Digits-len(f)) + f
}

// Parse reads an amount a person typed in this currency ("9.90", "¥1,299", "50000₫", "Rp 15.000"
// is not accepted: '.' is the decimal point) into minor units, exactly: at most Digits decimals.
// CNY keeps ParseYuan's extras (元, full-width comma).
func (c Currency) Parse(s string) (int64, error) {
	if c.Code == "" || c.Code == DefaultCurrency {
		return ParseYuan(s)
	}
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, c.Symbol), c.Symbol))
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.ToUpper(s), c.Code), c.Code))
	s = strings.ReplaceAll(s, ",", "")
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" && dot {
		whole = "0"
	}
	if s == "" || !Digits(whole) || len(whole) > 15-c.Digits || (dot && (len(frac) == 0 || len(frac) > c.Digits || !Digits(frac))) {
		return 0, ErrMoney
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, ErrMoney
	}
	for range c.Digits {
		n *= 10
	}
	if dot {
		f, _ := strconv.ParseInt(frac, 10, 64)
		for range c.Digits - len(frac) {
			f *= 10
		}
		n += f
	}
	return n, nil
}
