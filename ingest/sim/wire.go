package sim

import (
	"strconv"

	"github.com/livedesk/livedesk/ingest"
)

// AppendJSON appends ev in the v1 wire format (one JSON object, ts in unix milliseconds, empty
// fields left out, Extra's fields merged in) followed by a newline, ready for an NDJSON body.
func AppendJSON(b []byte, ev *ingest.Event) []byte {
	b = append(b, `{"id":`...)
	b = ingest.AppendJSONString(b, ev.ID)
	b = append(b, `,"type":`...)
	b = ingest.AppendJSONString(b, ev.Type)
	b = append(b, `,"ts":`...)
	b = strconv.AppendInt(b, ev.TS.UnixMilli(), 10)
	b = str(b, "room", ev.Room)
	b = str(b, "user", ev.User)
	b = str(b, "product", ev.Product)
	b = str(b, "order", ev.Order)
	b = str(b, "status", ev.Status)
	b = num(b, "amount", ev.Amount)
	b = num(b, "qty", int64(ev.Qty))
	if ev.Type == ingest.TypeOnline || ev.Type == ingest.TypeStock {
		b = append(b, `,"value":`...)
		b = strconv.AppendInt(b, ev.Value, 10)
	} else {
		b = num(b, "value", ev.Value)
	}
	b = str(b, "text", ev.Text)
	b = num(b, "rating", int64(ev.Rating))
	b = str(b, "conversation", ev.Conversation)
	b = str(b, "direction", ev.Direction)
	if len(ev.Extra) > 2 && ev.Extra[0] == '{' && ev.Extra[len(ev.Extra)-1] == '}' {
		b = append(b, ',')
		b = append(b, ev.Extra[1:len(ev.Extra)-1]...) // the unknown fields, kept as sent
	}
	return append(b, '}', '\n')
}

func str(b []byte, k, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, k...)
	b = append(b, '"', ':')
	return ingest.AppendJSONString(b, v)
}

func num(b []byte, k string, v int64) []byte {
	if v == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, k...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, v, 10)
}
