// Package compliance owns the shop's compliance data: the banned advertising words (广告法 极限词)
// — a built-in list in banned_words.txt that each shop can extend or turn words off in (table
// banned_words) — and the shop's qualification documents with their expiry dates (table
// qualifications). Find is the one matcher: the daily scan (jobs) and the control room's cue
// warning (views) both use it.
//
// Imports: livedesk only (and clickhouse-go).
package compliance

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk"
)

//go:embed banned_words.txt
var builtinText string

// Builtin returns the built-in banned words in file order.
func Builtin() []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(builtinText))
	for sc.Scan() {
		w := strings.TrimSpace(sc.Text())
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		out = append(out, w)
	}
	return out
}

// Find returns the words of list that text contains (case-insensitive for Latin letters), in
// list order, each once. A word inside a longer listed word is still reported (最低 in 最低价).
func Find(text string, list []string) []string {
	if text == "" {
		return nil
	}
	low := strings.ToLower(text)
	var out []string
	for _, w := range list {
		if w != "" && strings.Contains(low, strings.ToLower(w)) {
			out = append(out, w)
		}
	}
	return out
}

// CacheFor is how long a shop's word list is served from memory on an instance that did not
// make the change.
const CacheFor = 30 * time.Second

// Store reads and writes banned_words and qualifications.
type Store struct {
	conn driver.Conn
	Now  func() time.Time

	mu    sync.Mutex
	cache map[string]cachedWords
}

type cachedWords struct {
	words []string
	at    time.Time
}

// NewStore returns the compliance store on conn.
func NewStore(conn driver.Conn) *Store { return &Store{conn: conn, cache: map[string]cachedWords{}} }

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Word is one word of a shop's list and where it comes from.
type Word struct {
	Word    string
	Builtin bool // from banned_words.txt
	Off     bool // a built-in word the shop turned off
}

// List returns the shop's words: the built-in ones (marked Off when turned off) and the shop's
// own, sorted built-in first in file order, then the shop's own by word.
func (s *Store) List(ctx context.Context, shop string) ([]Word, error) {
	rows, err := s.conn.Query(ctx, `SELECT word, removed FROM banned_words FINAL WHERE shop = ?`, shop)
	if err != nil {
		return nil, fmt.Errorf("compliance: read words of %s: %w", shop, err)
	}
	defer rows.Close()
	edits := map[string]bool{} // word → removed
	for rows.Next() {
		var w string
		var removed uint8
		if err := rows.Scan(&w, &removed); err != nil {
			return nil, fmt.Errorf("compliance: scan word: %w", err)
		}
		edits[w] = removed == 1
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("compliance: read words of %s: %w", shop, err)
	}
	var out []Word
	seen := map[string]bool{}
	for _, w := range Builtin() {
		seen[w] = true
		out = append(out, Word{Word: w, Builtin: true, Off: edits[w]})
	}
	var own []string
	for w, removed := range edits {
		if !seen[w] && !removed {
			own = append(own, w)
		}
	}
	sort.Strings(own)
	for _, w := range own {
		out = append(out, Word{Word: w})
	}
	return out, nil
}

// Words returns the words in force for shop (cached for CacheFor).
func (s *Store) Words(ctx context.Context, shop string) ([]string, error) {
	s.mu.Lock()
	c, ok := s.cache[shop]
	s.mu.Unlock()
	if ok && s.now().Sub(c.at) < CacheFor {
		return c.words, nil
	}
	all, err := s.List(ctx, shop)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, w := range all {
		if !w.Off {
			out = append(out, w.Word)
		}
	}
	s.mu.Lock()
	s.cache[shop] = cachedWords{words: out, at: s.now()}
	s.mu.Unlock()
	return out, nil
}

// ErrWord is returned for a word that is empty, too long or has control characters.
var ErrWord = &livedesk.Error{Code: livedesk.EINVALID, Key: "compliance.error.word", Field: "word",
	Message: "a banned word is 1 to 32 characters without line breaks", MessageZH: "禁用词为 1–32 个字符，不能换行"}

// SetWord adds word to shop's list (off = false) or takes it off (off = true: a built-in word is
// turned off, an own word deleted).
func (s *Store) SetWord(ctx context.Context, shop, word string, off bool, by string) error {
	word = strings.TrimSpace(word)
	if word == "" || utf8.RuneCountInString(word) > 32 || strings.ContainsAny(word, "\r\n\t") {
		return ErrWord
	}
	b, err := s.conn.PrepareBatch(ctx, `INSERT INTO banned_words (shop, word, removed, updated, by_user, version)`)
	if err != nil {
		return fmt.Errorf("compliance: save word: %w", err)
	}
	defer b.Close()
	var removed uint8
	if off {
		removed = 1
	}
	if err := b.Append(shop, word, removed, s.now().Truncate(time.Second), by, uint64(time.Now().UnixNano())); err != nil {
		return fmt.Errorf("compliance: save word: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("compliance: save word: %w", err)
	}
	s.mu.Lock()
	delete(s.cache, shop)
	s.mu.Unlock()
	return nil
}
