package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/ingest/sim"
)

// recorded is one line of a recording. ts is the zero time when the line has no readable ts
// (it is then sent as it is, and the server reports it).
type recorded struct {
	fields map[string]json.RawMessage // nil when the line is not a JSON object
	raw    []byte
	ts     time.Time
}

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("replay", "replay --url U --key K (--file F.ndjson | --taobao F.csv --room R) [--speed N] [--keep-ts]", stderr)
	url := fs.String("url", envDefault("LIVEDESK_URL", "http://127.0.0.1:8080"), "server base URL (LIVEDESK_URL)")
	key := fs.String("key", os.Getenv("LIVEDESK_API_KEY"), "API key of the shop (LIVEDESK_API_KEY)")
	file := fs.String("file", "", "NDJSON recording, one event per line (- for standard input)")
	taobao := fs.String("taobao", "", "Taobao UserBehavior CSV (user,item,category,behaviour,unix seconds) to convert and post")
	room := fs.String("room", "taobao", "room for the Taobao events")
	speed := fs.Float64("speed", 1, "compress the gaps between events by this factor (3600 = an hour a second)")
	noWait := fs.Bool("no-wait", false, "post as fast as the server takes it (ts are still rewritten as with --speed)")
	keepTS := fs.Bool("keep-ts", false, "keep the recorded ts instead of moving the stream to end now")
	out := fs.String("out", "", "with --taobao: write the converted NDJSON to this file (- for standard output) instead of posting")
	batch := fs.Int("batch", 5000, "most events per request")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var problems []error
	if (*file == "") == (*taobao == "") {
		problems = append(problems, errors.New("give exactly one of --file and --taobao"))
	}
	if *key == "" && *out == "" {
		problems = append(problems, errors.New("--key or LIVEDESK_API_KEY is required"))
	}
	if *speed <= 0 {
		problems = append(problems, errors.New("--speed must be positive"))
	}
	if *batch <= 0 || *batch > 100_000 {
		problems = append(problems, errors.New("--batch must be between 1 and 100000"))
	}
	if len(problems) > 0 {
		fs.Usage()
		return fmt.Errorf("invalid flags:\n%w", errors.Join(problems...))
	}
	var lines []recorded
	var err error
	if *taobao != "" {
		var skipped map[string]int
		lines, skipped, err = readTaobao(*taobao, *room)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "replay: %d Taobao rows converted (pv → click, buy → paid order); skipped %d cart and %d fav rows (no matching event type)\n",
			len(lines), skipped["cart"], skipped["fav"])
		if *out != "" {
			return writeLines(*out, stdout, lines)
		}
	} else {
		if lines, err = readRecording(*file); err != nil {
			return err
		}
	}
	client := &sim.Client{URL: *url, Key: *key, HTTP: &http.Client{Timeout: 60 * time.Second}}
	total, err := replay(ctx, client, lines, *speed, *noWait, *keepTS, *batch, stderr)
	fmt.Fprintf(stdout, "accepted %d duplicates %d rejected %d\n", total.Accepted, total.Duplicates, total.Rejected)
	return err
}

// replay posts lines in order. Line i is due at start + (ts_i − ts_first)/speed and, unless
// keepTS, gets that time as its ts, so the stream ends when its last event is posted.
func replay(ctx context.Context, c *sim.Client, lines []recorded, speed float64, noWait, keepTS bool, batch int, stderr io.Writer) (ingest.Result, error) {
	var total ingest.Result
	if len(lines) == 0 {
		return total, nil
	}
	var first, last time.Time
	for _, l := range lines {
		if l.ts.IsZero() {
			continue
		}
		if first.IsZero() {
			first = l.ts
		}
		if l.ts.After(last) {
			last = l.ts
		}
	}
	start := time.Now()
	if noWait {
		// Not paced: the stream still ends now, so it starts that much earlier.
		start = start.Add(-time.Duration(float64(last.Sub(first)) / speed))
	}
	due := make([]time.Time, len(lines))
	prev := start
	for i, l := range lines {
		if !l.ts.IsZero() {
			if t := start.Add(time.Duration(float64(l.ts.Sub(first)) / speed)); t.After(prev) {
				prev = t
			}
		}
		due[i] = prev // a line out of order (or without ts) goes with its predecessor
	}
	var body []byte
	i := 0
	report := time.Now()
	for i < len(lines) {
		now := time.Now()
		if !noWait && due[i].After(now) {
			wait := min(due[i].Sub(now), 200*time.Millisecond)
			select {
			case <-ctx.Done():
				return total, ctx.Err()
			case <-time.After(wait):
			}
			continue
		}
		body = body[:0]
		n := 0
		for i < len(lines) && n < batch && (noWait || !due[i].After(now)) {
			body = appendRecorded(body, lines[i], due[i], keepTS)
			i++
			n++
		}
		res, err := c.Post(context.WithoutCancel(ctx), body)
		total.Accepted += res.Accepted
		total.Duplicates += res.Duplicates
		total.Rejected += res.Rejected
		for _, r := range res.Errors {
			fmt.Fprintf(stderr, "replay: rejected: %s\n", r.Error())
		}
		if err != nil {
			return total, err
		}
		if time.Since(report) > 10*time.Second {
			report = time.Now()
			fmt.Fprintf(stderr, "replay: %d of %d lines posted\n", i, len(lines))
		}
	}
	return total, nil
}

// appendRecorded appends one NDJSON line, its ts rewritten to at unless keepTS.
func appendRecorded(b []byte, l recorded, at time.Time, keepTS bool) []byte {
	if keepTS || l.fields == nil || l.ts.IsZero() {
		b = append(b, l.raw...)
		return append(b, '\n')
	}
	l.fields["ts"] = json.RawMessage(strconv.FormatInt(at.UnixMilli(), 10))
	enc, err := json.Marshal(l.fields)
	if err != nil {
		enc = l.raw
	}
	b = append(b, enc...)
	return append(b, '\n')
}

// readRecording reads an NDJSON file; each line keeps its fields as sent.
func readRecording(name string) ([]recorded, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		defer f.Close()
		r = f
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var out []recorded
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		out = append(out, parseRecorded(bytes.Clone(line)))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("replay: read %s: %w", name, err)
	}
	return out, nil
}

func parseRecorded(line []byte) recorded {
	l := recorded{raw: line}
	if err := json.Unmarshal(line, &l.fields); err != nil {
		l.fields = nil
		return l
	}
	ts, ok := l.fields["ts"]
	if !ok {
		return l
	}
	var ms int64
	if err := json.Unmarshal(ts, &ms); err == nil {
		l.ts = time.UnixMilli(ms)
		return l
	}
	var s string
	if err := json.Unmarshal(ts, &s); err == nil {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			l.ts = t
		}
	}
	return l
}

func writeLines(name string, stdout io.Writer, lines []recorded) error {
	w := stdout
	if name != "-" {
		f, err := os.Create(name)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	for _, l := range lines {
		bw.Write(l.raw)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// readTaobao converts the Taobao CSV into recorded lines in time order (the file is sorted by
// user), keeping file order among equal times.
func readTaobao(name, room string) ([]recorded, map[string]int, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	events, skipped, err := sim.Taobao(bufio.NewReader(f), room)
	if err != nil {
		return nil, nil, err
	}
	lines := make([]recorded, len(events))
	for i := range events {
		line := sim.AppendJSON(nil, &events[i])
		lines[i] = parseRecorded(line[:len(line)-1])
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].ts.Before(lines[j].ts) })
	return lines, skipped, nil
}
