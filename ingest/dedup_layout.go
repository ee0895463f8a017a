package ingest

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"
)

// The dedup memory's layout in Redis (see ARCHITECTURE.md, "Dedup memory"):
//
//   - an event id is remembered as its fingerprint: the first fpBytes bytes of SHA-256(id) (the
//     shop is in the key, not hashed), a field of a small Redis hash;
//   - the field's value is "1". While the claim that wrote it is in flight, the fingerprint also
//     has a mark in the in-flight hash of that claim's generation, ld:dedupf:{shop}:<generation>,
//     whose value is the claim's lease (the lease's end in unix ms × 1024 plus 10 random bits,
//     which also names the claim); commit deletes the marks, so a field without a mark is
//     stored. Marks are written once per claim script call and deleted once per batch, in one
//     command per 1,000 ids, so a batch touches each bucket once (before marks, the lease was
//     the field's value and commit rewrote every field: 3.4 ms per 1,000 ids, a third of Redis'
//     time under the ingest bench);
//   - the hashes are grouped by generation (half the TTL: 24 h) and, within a generation, by
//     bucket: ld:dedup:{shop}:<generation>:<bucket>. A claim looks in its generation and the two
//     before, so an id is remembered for at least the TTL (48 h) and at most 1.5 TTL (72 h), and a
//     generation's keys expire together once no claim looks at them any more;
//   - a generation's bucket count grows with the shop's volume by linear hashing: its meta hash
//     ld:dedupm:{shop}:<generation> holds the level l, the split pointer s and the ids n; there
//     are 2^l + s buckets; when n passes bucketLoad per bucket, bucket s is split (its fields
//     with bit l of the fingerprint's first word set move to bucket s + 2^l). So buckets hold
//     about bucketLoad to 2 × bucketLoad fields and stay listpack-encoded (Redis' default
//     hash-max-listpack-entries is 512, values ≤ 64 bytes): about 16 bytes per id instead of a
//     key per id;
//   - every bucket holds a sentinel field "" so it never becomes empty (Redis would delete it
//     and a later write would re-create it without expiry).
//
// All keys carry the shop's hash tag: one cluster slot, so each script call may reach
// every bucket it computes.

// fpBytes is how many bytes of SHA-256(id) are kept: 96 bits. Two distinct ids of a shop share a
// fingerprint with probability about n²/2^97 for n ids remembered at once: 6.3e-16 for 10
// million. An id is taken for a duplicate only on such a collision, so dedup is exact in the sense
// a random UUID is unique.
const fpBytes = 12

// bucketLoad is the mean number of ids per bucket above which a generation splits one more
// bucket. Unsplit buckets reach about twice that before their turn, so buckets hold 32 to ~160
// fields: well inside a listpack's 512 (Redis' default). Where a host lowers
// hash-max-listpack-entries to 128, the fullest buckets late in a level become hashtables:
// still correct, only larger. The choice trades memory against claim time, both
// measured by livedesk bench-dedup in one run on 5 M ids (bytes per id; claim ms per 1,000 ids
// against the former layout's): 40: 22.9 B (on 200 k ids); 64: 20.1 B, 1.4× the claim time;
// 100: 19.1 B, 2.5× (a listpack lookup scans the bucket).
const bucketLoad = 64

// dedupGenerations is how many generations a claim looks in: its own and the two before.
const dedupGenerations = 3

// epochLayout prefixes the epoch key's value: "2:<unix ms>" is an epoch of this layout. An
// epoch without it belongs to the former layout (a key per id), whose ids this one cannot see,
// so it counts as missing: the shop starts a new epoch and checks new ids in ClickHouse for one
// TTL, exactly as after a Redis restart. Instances still running the former layout read "2:…" as
// unreadable, which they treat as young, so they check ClickHouse too during a rolling upgrade.
const epochLayout = "2:"

// fingerprint is the first fpBytes bytes of SHA-256(id).
func fingerprint(id string) string {
	sum := sha256.Sum256([]byte(id))
	return string(sum[:fpBytes])
}

// fpWord is the fingerprint's first 4 bytes, big-endian: the bits bucket addresses use.
func fpWord(fp string) uint32 { return binary.BigEndian.Uint32([]byte(fp[:4])) }

// bucketOf is the bucket of fingerprint word h in a generation at level l with split pointer s
// (linear hashing; the claim script computes the same in Lua).
func bucketOf(h uint32, l uint, s uint64) uint64 {
	m := uint64(1) << l
	a := uint64(h) % m
	if a < s {
		a = uint64(h) % (2 * m)
	}
	return a
}

// splitMoves reports whether splitting bucket s at level l moves the field with word h to
// bucket s + 2^l (it stays in s otherwise).
func splitMoves(h uint32, l uint) bool { return uint64(h)>>l&1 == 1 }

// generationLen is the length of a generation for dedup window ttl.
func generationLen(ttl time.Duration) time.Duration { return ttl / (dedupGenerations - 1) }

// generationOf is the generation t falls in.
func generationOf(t time.Time, ttl time.Duration) int64 {
	return t.UnixMilli() / generationLen(ttl).Milliseconds()
}

// generationTTL is how long, from now, the keys of generation g must live: until the last claim
// that looks at them (the end of generation g+2), plus an hour for clocks that differ between
// instances.
func generationTTL(g int64, now time.Time, ttl time.Duration) time.Duration {
	end := time.UnixMilli((g + dedupGenerations) * generationLen(ttl).Milliseconds())
	return end.Sub(now) + time.Hour
}

func bucketPrefix(shop string, g int64) string {
	return "ld:dedup:{" + shop + "}:" + strconv.FormatInt(g, 10) + ":"
}

// inflightKey is generation g's in-flight hash: fingerprint → lease of the claim holding it.
func inflightKey(shop string, g int64) string {
	return "ld:dedupf:{" + shop + "}:" + strconv.FormatInt(g, 10)
}

func metaKey(shop string, g int64) string {
	return "ld:dedupm:{" + shop + "}:" + strconv.FormatInt(g, 10)
}

// generationKeys are the meta keys, in-flight hashes and bucket key prefixes of generation g and
// the dedupGenerations-1 before it, newest first.
func generationKeys(shop string, g int64) (metas, inflights, prefixes []string) {
	for i := range int64(dedupGenerations) {
		metas = append(metas, metaKey(shop, g-i))
		inflights = append(inflights, inflightKey(shop, g-i))
		prefixes = append(prefixes, bucketPrefix(shop, g-i))
	}
	return metas, inflights, prefixes
}
