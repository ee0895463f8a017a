package catalog

import (
	"math"
	"strconv"
	"strings"

	"github.com/livedesk/livedesk"
)

// parseSheetYuan is ParseYuan for spreadsheet cells: a number cell may arrive as the binary
// float Excel stored (19.899999999999999). Such text is accepted only when it is within 1e-6 of
// a whole number of fen, and then rounded to that fen.
func parseSheetYuan(s string) (int64, error) {
	fen, err := livedesk.ParseYuan(s)
	if err == nil {
		return fen, nil
	}
	t := strings.TrimSpace(s)
	whole, frac, dot := strings.Cut(t, ".")
	if !dot || !livedesk.Digits(whole) || !livedesk.Digits(frac) {
		return 0, err
	}
	v, perr := strconv.ParseFloat(t, 64)
	if perr != nil || v < 0 || v > float64(livedesk.MaxMoneyFen)/100 || math.IsNaN(v) {
		return 0, err
	}
	x := v * 100
	r := math.Round(x)
	if math.Abs(x-r) > 1e-6 {
		return 0, err
	}
	return int64(r), nil
}

// parseSheetMoney is parseSheetYuan for any currency: the cell in cur's major unit, with at
// most cur.Digits decimals, or an Excel float within 1e-6 of a whole number of minor units.
func parseSheetMoney(s string, cur livedesk.Currency) (int64, error) {
	if cur.Code == "" || cur.Code == livedesk.DefaultCurrency {
		return parseSheetYuan(s)
	}
	n, err := cur.Parse(s)
	if err == nil {
		return n, nil
	}
	v, perr := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if perr != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, err
	}
	x := v * math.Pow10(cur.Digits)
	r := math.Round(x)
	if math.Abs(x-r) > 1e-6 || r > float64(livedesk.MaxMoneyFen) {
		return 0, err
	}
	return int64(r), nil
}
