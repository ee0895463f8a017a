package live

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/catalog"
)

// Buyer questions attached to products: a comment that names a product ("23号", "3号链接", the
// product's title words) is about that product, and one that names none is about the pinned
// product (livedesk.ProductRef). The counters do it as they store the room's recent comments,
// so the control room lists and the prompter shows which product a question is about.

// ProductLister lists a shop's catalog (*catalog.Catalog satisfies it).
type ProductLister interface {
	List(ctx context.Context, shop string) ([]catalog.Product, error)
}

// productsTTL is how long the counters trust a shop's product list.
const productsTTL = 30 * time.Second

// productNames caches each shop's catalog as livedesk.ProductName (with cart numbers).
type productNames struct {
	list func() ProductLister

	mu sync.Mutex
	m  map[string]cachedNames
}

type cachedNames struct {
	names  []livedesk.ProductName
	titles map[string]string
	exp    time.Time
}

// get returns the shop's product names and titles; an unreadable catalog gives none (the
// pinned product still applies).
func (p *productNames) get(ctx context.Context, shop string, now time.Time) ([]livedesk.ProductName, map[string]string) {
	if p == nil || p.list == nil || p.list() == nil {
		return nil, nil
	}
	p.mu.Lock()
	c, ok := p.m[shop]
	p.mu.Unlock()
	if ok && now.Before(c.exp) {
		return c.names, c.titles
	}
	ps, err := p.list().List(ctx, shop)
	if err != nil {
		return c.names, c.titles // the last good list, if any
	}
	c = cachedNames{titles: make(map[string]string, len(ps)), exp: now.Add(productsTTL)}
	for _, x := range ps {
		c.names = append(c.names, livedesk.ProductName{ID: x.ID, Title: x.Title, Number: CartNumber(x)})
		c.titles[x.ID] = x.Title
	}
	p.mu.Lock()
	if p.m == nil || len(p.m) > 10000 {
		p.m = map[string]cachedNames{}
	}
	p.m[shop] = c
	p.mu.Unlock()
	return c.names, c.titles
}

var cartNumberRe = []*regexp.Regexp{
	regexp.MustCompile(`^\s*(?:#|No\.?\s*|【|\[|（|\()?\s*(\d{1,3})\s*(?:号|】|\]|）|\)|#|、|\.\s|\s)`),
	regexp.MustCompile(`(\d{1,3})\s*号链接`),
	regexp.MustCompile(`链接\s*(\d{1,3})`),
}

// CartNumber is a product's number in the live room's cart (the 23 of "23号链接"), 0 when it has
// none. The catalog keeps no column for it: sellers write it into the title ("23号 羊毛大衣",
// "【23】…", "#23 …", "… 23号链接") or number their products 1, 2, 3…; both are read.
func CartNumber(p catalog.Product) int {
	for _, re := range cartNumberRe {
		if m := re.FindStringSubmatch(p.Title); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	if len(p.ID) <= 3 {
		if n, err := strconv.Atoi(p.ID); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// pinnedMark stands for "the pinned product" when the counters attach products: which product
// is pinned is read with the room's tick (onPinned), so the counters' batch stays one pipeline.
const pinnedMark = "\x00pinned"

// attachProducts sets the product each new question names (by cart number or title words);
// a question that names none is marked to be about the pinned product (Comment.OnPinned, filled
// in by onPinned), and one naming an unknown number stays unattached.
func (c *Counters) attachProducts(ctx context.Context, shop string, a *batchAgg) {
	if len(a.comments) == 0 {
		return
	}
	names, titles := c.names.get(ctx, shop, c.now())
	for _, cs := range a.comments {
		for i := range cs {
			if cs[i].Topic == "" {
				continue // not a question
			}
			switch p := livedesk.ProductRef(cs[i].Text, names, pinnedMark); p {
			case "":
			case pinnedMark:
				cs[i].OnPinned = true
			default:
				cs[i].Product, cs[i].ProductTitle = p, titles[p]
			}
		}
	}
}

// onPinned attaches the questions that name no product to the pinned product.
func onPinned(cs []Comment, pinned string) {
	if pinned == "" {
		return
	}
	for i := range cs {
		if cs[i].OnPinned && cs[i].Product == "" {
			cs[i].Product = pinned
		}
	}
}

// commentUser is what a comment shows as its author: a relay's nickname (never the platform's
// id; "" when the relay gave none), else the user the sender posted.
func commentUser(user, extra string) string {
	if !strings.Contains(extra, `"src":"relay"`) {
		return user
	}
	var x struct {
		Nickname string `json:"nickname"`
	}
	_ = json.Unmarshal([]byte(extra), &x)
	return x.Nickname
}
