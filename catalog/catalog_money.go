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
