package live

import "time"

// bucketStart is the unix second at which the bucket of span seconds holding ts starts.
func bucketStart(ts time.Time, span int64) int64 {
	s := ts.Unix()
	r := s % span
	if r < 0 {
		r += span
	}
	return s - r
}

// span is a range of buckets [From, To) in unix seconds, To − From a multiple of the bucket span.
type span struct{ From, To int64 }

// buckets lists the bucket starts of s for the given bucket size.
func (s span) buckets(size int64) []int64 {
	var out []int64
	for b := s.From; b < s.To; b += size {
		out = append(out, b)
	}
	return out
}

// empty reports whether s holds no bucket.
func (s span) empty() bool { return s.To <= s.From }

// windows returns the sliding window ending with the bucket that holds now (window seconds long,
// rounded to whole 10-second buckets) and the window before it, both clipped to start no earlier
// than the bucket holding from (the session start; zero time = no clip). The current bucket is
// partial, so the last window covers window−10 s … window seconds of data.
func windows(now, from time.Time, window time.Duration) (last, prev span) {
	w := int64(window / time.Second)
	if w < spanFine {
		w = spanFine
	}
	w -= w % spanFine
	end := bucketStart(now, spanFine) + spanFine
	last = span{end - w, end}
	prev = span{end - 2*w, end - w}
	if !from.IsZero() {
		f := bucketStart(from, spanFine)
		last.From = max(last.From, f)
		prev.From = max(prev.From, f)
		if prev.To < prev.From {
			prev.To = prev.From
		}
	}
	return last, prev
}

// sessionMinutes returns the minute buckets from the minute holding start up to and including
// the minute holding now: all but the last are closed.
func sessionMinutes(start, now time.Time) span {
	return span{bucketStart(start, spanMinute), bucketStart(now, spanMinute) + spanMinute}
}
