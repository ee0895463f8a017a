package livedesk

import (
	"encoding/json"
	"strconv"
)

// Ratio is a rate with what it divides, so every screen can say what a rate is divided by:
// Value = Num ÷ Den × Scale, defined (OK) only when Den is not 0. Undefined is never 0: it is
// shown as "—", and in JSON its value is null.
type Ratio struct {
	Num   float64
	Den   float64
	Scale float64 // 1 for a plain rate, 1000 for per-thousand figures (GPM)
	Value float64
	OK    bool
}

// NewRatio returns num ÷ den × scale with its parts.
func NewRatio(num, den, scale float64) Ratio {
	r := Ratio{Num: num, Den: den, Scale: scale}
	if den != 0 {
		r.Value, r.OK = num/den*scale, true
	}
	return r
}

// Or returns the ratio's value, or def when it is undefined.
func (r Ratio) Or(def float64) float64 {
	if !r.OK {
		return def
	}
	return r.Value
}

// The metric definitions (DESIGN.md), each with its denominator. Money is fen; sales are paid
// orders only. Every package computes these through these functions.

// CTR is clicks ÷ product impressions.
func CTR(clicks, impressions int64) Ratio { return NewRatio(float64(clicks), float64(impressions), 1) }

// CVR is buyers ÷ clickers (distinct users who paid ÷ distinct users who clicked).
func CVR(buyers, clickers int64) Ratio { return NewRatio(float64(buyers), float64(clickers), 1) }

// OrderRate is paid orders ÷ clicks.
func OrderRate(orders, clicks int64) Ratio { return NewRatio(float64(orders), float64(clicks), 1) }

// GPM is GMV per thousand views: GMV (fen) ÷ views × 1000.
func GPM(gmvFen, views int64) Ratio { return NewRatio(float64(gmvFen), float64(views), 1000) }

// UVValue is GMV (fen) ÷ viewers (distinct users who entered).
func UVValue(gmvFen, viewers int64) Ratio { return NewRatio(float64(gmvFen), float64(viewers), 1) }

// ROI is GMV ÷ ad spend (both fen).
func ROI(gmvFen, adSpendFen int64) Ratio {
	return NewRatio(float64(gmvFen), float64(adSpendFen), 1)
}

// ratioJSON is Ratio on the wire: value is null when the ratio is undefined.
type ratioJSON struct {
	Num   float64  `json:"num"`
	Den   float64  `json:"den"`
	Scale float64  `json:"scale"`
	Value *float64 `json:"value"`
	OK    bool     `json:"ok"`
}

// MarshalJSON writes {"num","den","scale","value","ok"}, value null when undefined.
func (r Ratio) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 96)
	b = append(b, `{"num":`...)
	b = appendFloat(b, r.Num)
	b = append(b, `,"den":`...)
	b = appendFloat(b, r.Den)
	b = append(b, `,"scale":`...)
	b = appendFloat(b, r.Scale)
	b = append(b, `,"value":`...)
	if r.OK {
		b = appendFloat(b, r.Value)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"ok":`...)
	b = strconv.AppendBool(b, r.OK)
	return append(b, '}'), nil
}

// UnmarshalJSON reads what MarshalJSON writes, and reports stored before value could be null
// ({"value":0,"ok":false}).
func (r *Ratio) UnmarshalJSON(b []byte) error {
	var x ratioJSON
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*r = Ratio{Num: x.Num, Den: x.Den, Scale: x.Scale, OK: x.OK && x.Value != nil}
	if r.OK {
		r.Value = *x.Value
	}
	return nil
}

// appendFloat appends f as encoding/json would for a finite number.
func appendFloat(b []byte, f float64) []byte {
	v, _ := json.Marshal(f) // finite by construction: den 0 is never divided by
	return append(b, v...)
}
