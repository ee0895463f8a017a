package report

import (
	"context"
	"fmt"
	"sort"
)

// textCount is one distinct comment text and how many distinct comment events carried it.
type textCount struct {
	text string
	n    int64
}

// maxTexts caps the distinct comment texts classified for buyer questions (the most frequent).
const maxTexts = 50_000

// commentTexts counts comment events per distinct text: count(), less the stored copies found
// in dupMinutes.
func (q reportQueries) commentTexts(ctx context.Context, dupMinutes []int64) ([]textCount, bool, error) {
	return q.texts(ctx, fmt.Sprintf(`SELECT text, count() AS n FROM events WHERE `+spanWhere+`
		AND type = 'comment' AND text != '' GROUP BY text ORDER BY n DESC, text LIMIT %d`, maxTexts), q.args(), dupMinutes)
}

// texts runs sql (text, n: the most frequent maxTexts texts, stored copies counted) and takes off
// the copies found in dupMinutes.
func (q reportQueries) texts(ctx context.Context, sql string, args []any, dupMinutes []int64) ([]textCount, bool, error) {
	rows, err := q.ch.Query(ctx, sql, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []textCount
	at := map[string]int{}
	for rows.Next() {
		var t textCount
		var n uint64
		if err := rows.Scan(&t.text, &n); err != nil {
			return nil, false, err
		}
		t.n = int64(n)
		at[t.text] = len(out)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	err = q.copies(ctx, "type = 'comment' AND text != ''", "text", dupMinutes, func(key string, _ uint32, extra int64) {
		if i, ok := at[key]; ok {
			out[i].n -= extra
		}
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].n > out[j].n })
	return out, len(out) == maxTexts, err
}
