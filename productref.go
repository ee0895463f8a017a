package livedesk

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// ProductName is what ProductRef needs of a catalog product: its id, its title and its number in
// the live room's cart (the "23" of "23号链接"; 0 when it has none).
type ProductName struct {
	ID     string
	Title  string
	Number int
}

// ProductRef returns the id of the product a comment is about, "" when it is not clear:
//
//   - a number ("23号", "3号链接", "二号", "链接5", "#7", "第3个", "link 4") names the product of
//     that cart number; a number no product has gives "" (the buyer asked about another product,
//     so the pinned one would be a wrong guess);
//   - else words of a product's title ("冰丝阔腿裤现在什么价" for "夏季冰丝阔腿裤 女"): the product
//     whose title shares the longest run of the comment (at least two Chinese characters or one
//     English word of three letters) that no other title has; when several titles share the
//     words ("大衣" with two coats) the pinned product if it is one of them, else "";
//   - else the pinned product (pinned may be ""): "多少钱" asks about what is on air.
//
// It is standard library only and allocation-light enough for the ingest path; products is the
// room's catalog (titles as the catalog has them), pinned the pinned product's id.
func ProductRef(text string, products []ProductName, pinned string) string {
	t := normalize(text)
	if n, ok := productNumber(t); ok {
		for _, p := range products {
			if p.Number == n && n > 0 {
				return p.ID
			}
		}
		return ""
	}
	best, bestLen, tied := -1, 0, false
	var sharing []int // products whose title shares a non-distinctive run
	for i, p := range products {
		l, shared := titleMatch(t, p.Title, products, i)
		if shared {
			sharing = append(sharing, i)
		}
		switch {
		case l > bestLen:
			best, bestLen, tied = i, l, false
		case l == bestLen && l > 0:
			tied = true
		}
	}
	if best >= 0 && !tied {
		return products[best].ID
	}
	if best >= 0 || len(sharing) > 0 {
		if best >= 0 { // tied distinctive matches
			sharing = sharing[:0]
			for i, p := range products {
				if l, _ := titleMatch(t, p.Title, products, i); l == bestLen {
					sharing = append(sharing, i)
				}
			}
		}
		for _, i := range sharing {
			if products[i].ID == pinned {
				return pinned
			}
		}
		return ""
	}
	return pinned
}

var (
	numberRefs = []*regexp.Regexp{
		regexp.MustCompile(`(\d{1,3})\s*号`),
		regexp.MustCompile(`([一二两三四五六七八九十]{1,3})\s*号`),
		regexp.MustCompile(`(?:链接|#|第)\s*(\d{1,3})`),
		regexp.MustCompile(`第([一二两三四五六七八九十]{1,3})个`),
		regexp.MustCompile(`\b(?:link|no\.?|number|item)\s*#?\s*(\d{1,3})\b`),
	}
)

// productNumber finds a cart number in t ("大一号"/"小一号" are sizes, not numbers).
func productNumber(t string) (int, bool) {
	for _, re := range numberRefs {
		for _, m := range re.FindAllStringSubmatchIndex(t, -1) {
			if before := t[:m[0]]; strings.HasSuffix(before, "大") || strings.HasSuffix(before, "小") {
				continue
			}
			s := t[m[2]:m[3]]
			if n, err := strconv.Atoi(s); err == nil {
				return n, true
			}
			if n := chineseNumber(s); n > 0 {
				return n, true
			}
		}
	}
	return 0, false
}

// chineseNumber parses 一 … 九十九 (0 when s is not such a number).
func chineseNumber(s string) int {
	digit := map[rune]int{'一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	rs := []rune(s)
	switch {
	case len(rs) == 1 && rs[0] == '十':
		return 10
	case len(rs) == 1:
		return digit[rs[0]]
	case len(rs) == 2 && rs[0] == '十':
		return 10 + digit[rs[1]]
	case len(rs) == 2 && rs[1] == '十' && digit[rs[0]] > 0:
		return digit[rs[0]] * 10
	case len(rs) == 3 && rs[1] == '十' && digit[rs[0]] > 0 && digit[rs[2]] > 0:
		return digit[rs[0]]*10 + digit[rs[2]]
	}
	return 0
}

// titleMatch returns the length (in runes) of the longest run of t found in products[i]'s title
// and in no other title, and whether t shares a run of two or more characters (or an English
// word) with this title that other titles have too.
func titleMatch(t, title string, products []ProductName, i int) (distinct int, shared bool) {
	title = normalize(title)
	if title == "" {
		return 0, false
	}
	inOther := func(s string) bool {
		for j, p := range products {
			if j != i && strings.Contains(normalize(p.Title), s) {
				return true
			}
		}
		return false
	}
	for _, run := range hanRuns(t) {
		rs := []rune(run)
		for a := 0; a < len(rs); a++ {
			for b := len(rs); b-a >= 2 && b-a > distinct; b-- {
				s := string(rs[a:b])
				if !strings.Contains(title, s) {
					continue
				}
				if inOther(s) {
					shared = true
					continue
				}
				distinct = b - a
				break
			}
		}
	}
	for _, w := range strings.FieldsFunc(t, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) }) {
		if len(w) < 3 || !containsWord(title, w) {
			continue
		}
		if inOther(w) {
			shared = true
		} else if len(w)/2 > distinct { // an English word counts about as much as two characters
			distinct = max(2, len(w)/2)
		}
	}
	return distinct, shared
}

// hanRuns splits t into its runs of Chinese characters.
func hanRuns(t string) []string {
	return strings.FieldsFunc(t, func(r rune) bool { return !unicode.Is(unicode.Han, r) })
}

func containsWord(s, w string) bool {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) }) {
		if f == w {
			return true
		}
	}
	return false
}
