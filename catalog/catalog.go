package catalog

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/livedesk/livedesk"
)

// Product tags operators give a product (the role it plays in the stream).
const (
	TagTraffic = "引流款" // traffic driver, sold near cost to pull viewers in
	TagProfit  = "利润款" // the margin product
	TagPromo   = "活动款" // promotion / event product
)

// Tags lists the accepted tags in display order.
var Tags = []string{TagTraffic, TagProfit, TagPromo}

// Limits on one product's fields (checked by Product.Validate).
const (
	MaxProductIDLen = 64
	MaxTitleLen     = 200
	MaxPoints       = 10
	MaxPointLen     = 100
	MaxScriptLen    = 4000
	MaxImageLen     = 1000
	MaxStock        = 1_000_000_000
)

// Product is one catalog entry of a shop. Money is integer fen; ListPrice 0 means no list price
// (划线价). Points are the ordered selling points (卖点); Script is the free-text pitch (话术).
type Product struct {
	ID        string
	Title     string
	Price     int64
	ListPrice int64
	Stock     int64
	Image     string
	Tag       string
	Points    []string
	Script    string
	Updated   time.Time
}

// FieldError names a field of a product and what is wrong with it.
type FieldError struct {
	Field    string // one of the Field* constants
	Reason   string // English
	ReasonZH string // the same in Chinese, for the default UI
}

func (e FieldError) Error() string { return e.Field + ": " + e.Reason }

// Field names used in FieldError and RowError (the spreadsheet column keys).
const (
	FieldID        = "id"
	FieldTitle     = "title"
	FieldPrice     = "price"
	FieldListPrice = "list_price"
	FieldStock     = "stock"
	FieldImage     = "image"
	FieldTag       = "tag"
	FieldPoints    = "points"
	FieldScript    = "script"
)

// Normalize trims the text fields and drops empty selling points.
func (p *Product) Normalize() {
	p.ID = strings.TrimSpace(p.ID)
	p.Title = strings.TrimSpace(p.Title)
	p.Image = strings.TrimSpace(p.Image)
	p.Tag = strings.TrimSpace(p.Tag)
	p.Script = strings.TrimSpace(p.Script)
	pts := p.Points[:0:0]
	for _, s := range p.Points {
		if s = strings.TrimSpace(s); s != "" {
			pts = append(pts, s)
		}
	}
	p.Points = pts
}

// Validate returns every problem with p (nil when it can be saved). Call Normalize first.
func (p Product) Validate() []FieldError {
	var errs []FieldError
	add := func(f, en, zh string) { errs = append(errs, FieldError{Field: f, Reason: en, ReasonZH: zh}) }
	switch {
	case p.ID == "":
		add(FieldID, "required", "必填")
	case len(p.ID) > MaxProductIDLen:
		add(FieldID, fmt.Sprintf("longer than %d characters", MaxProductIDLen), fmt.Sprintf("超过 %d 个字符", MaxProductIDLen))
	case strings.ContainsAny(p.ID, " \t\r\n/\\?#%"):
		add(FieldID, "must not contain spaces or / \\ ? # %", "不能包含空格或 / \\ ? # %")
	case !utf8.ValidString(p.ID):
		add(FieldID, "not valid text", "不是有效文字")
	}
	switch {
	case p.Title == "":
		add(FieldTitle, "required", "必填")
	case utf8.RuneCountInString(p.Title) > MaxTitleLen:
		add(FieldTitle, fmt.Sprintf("longer than %d characters", MaxTitleLen), fmt.Sprintf("超过 %d 个字符", MaxTitleLen))
	}
	if p.Price <= 0 || p.Price > livedesk.MaxMoneyFen {
		add(FieldPrice, "must be more than ¥0.00", "必须大于 ¥0.00")
	}
	if p.ListPrice < 0 || p.ListPrice > livedesk.MaxMoneyFen {
		add(FieldListPrice, "out of range", "超出范围")
	} else if p.ListPrice != 0 && p.ListPrice < p.Price {
		add(FieldListPrice, "lower than the price", "低于价格")
	}
	if p.Stock < 0 || p.Stock > MaxStock {
		add(FieldStock, "must be 0 or more", "必须是 0 或正整数")
	}
	if p.Image != "" && (len(p.Image) > MaxImageLen ||
		!(strings.HasPrefix(p.Image, "https://") || strings.HasPrefix(p.Image, "http://"))) {
		add(FieldImage, "must be an http(s) link", "必须是 http(s) 链接")
	}
	if p.Tag != "" && !validTag(p.Tag) {
		add(FieldTag, "must be one of "+strings.Join(Tags, " / "), "只能是 "+strings.Join(Tags, " / "))
	}
	if len(p.Points) > MaxPoints {
		add(FieldPoints, fmt.Sprintf("at most %d selling points", MaxPoints), fmt.Sprintf("最多 %d 条卖点", MaxPoints))
	}
	for _, s := range p.Points {
		if utf8.RuneCountInString(s) > MaxPointLen {
			add(FieldPoints, fmt.Sprintf("a selling point is longer than %d characters", MaxPointLen), fmt.Sprintf("有一条卖点超过 %d 个字符", MaxPointLen))
			break
		}
	}
	if utf8.RuneCountInString(p.Script) > MaxScriptLen {
		add(FieldScript, fmt.Sprintf("longer than %d characters", MaxScriptLen), fmt.Sprintf("超过 %d 个字符", MaxScriptLen))
	}
	return errs
}

func validTag(t string) bool {
	for _, x := range Tags {
		if t == x {
			return true
		}
	}
	return false
}

// Catalog stores the products of every shop in ClickHouse (tables products and product_stock).
// Invariant: every read is scoped to one shop, and a removed product is never returned.
type Catalog struct {
	CH  driver.Conn
	Now func() time.Time // nil = time.Now
}

// NewCatalog returns a Catalog on ch.
func NewCatalog(ch driver.Conn) *Catalog { return &Catalog{CH: ch} }

func (c *Catalog) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// List returns the shop's products, sorted by id, with their current stock.
func (c *Catalog) List(ctx context.Context, shop string) ([]Product, error) {
	return c.query(ctx, shop, nil)
}

// Get returns one product; ok is false when it does not exist or was removed.
func (c *Catalog) Get(ctx context.Context, shop, id string) (p Product, ok bool, err error) {
	ps, err := c.query(ctx, shop, []string{id})
	if err != nil || len(ps) == 0 {
		return Product{}, false, err
	}
	return ps[0], true, nil
}

// GetMany returns the existing products among ids, keyed by id.
func (c *Catalog) GetMany(ctx context.Context, shop string, ids []string) (map[string]Product, error) {
	out := map[string]Product{}
	if len(ids) == 0 {
		return out, nil
	}
	ps, err := c.query(ctx, shop, ids)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}

// query reads products FINAL and filters removed rows in Go: with FINAL a WHERE on a non-key
// column may be applied before the merge on old servers and return a stale version.
func (c *Catalog) query(ctx context.Context, shop string, ids []string) ([]Product, error) {
	q := "SELECT id, title, price, list_price, image, tag, points, script, deleted, updated FROM products FINAL WHERE shop = ?"
	sq := "SELECT product, stock FROM product_stock FINAL WHERE shop = ?"
	args := []any{shop}
	if ids != nil {
		q += " AND has(?, id)"
		sq += " AND has(?, product)"
		args = append(args, ids) // has(): 18.16 refuses an array bound into IN (?)
	}
	rows, err := c.CH.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: catalog list %s: %w", shop, err)
	}
	var out []Product
	for rows.Next() {
		var p Product
		var deleted uint8
		if err := rows.Scan(&p.ID, &p.Title, &p.Price, &p.ListPrice, &p.Image, &p.Tag, &p.Points, &p.Script, &deleted, &p.Updated); err != nil {
			rows.Close()
			return nil, fmt.Errorf("catalog: catalog scan: %w", err)
		}
		if deleted == 0 {
			out = append(out, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: catalog list %s: %w", shop, err)
	}
	if len(out) == 0 {
		return out, nil
	}
	stock := map[string]int64{}
	srows, err := c.CH.Query(ctx, sq, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: catalog stock %s: %w", shop, err)
	}
	for srows.Next() {
		var id string
		var n int64
		if err := srows.Scan(&id, &n); err != nil {
			srows.Close()
			return nil, fmt.Errorf("catalog: catalog stock scan: %w", err)
		}
		stock[id] = n
	}
	srows.Close()
	for i := range out {
		out[i].Stock = stock[out[i].ID]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Save adds or replaces products (and sets their stock). Products must be valid; Save checks
// again and refuses the whole call when one is not, so a caller bug cannot store bad rows.
func (c *Catalog) Save(ctx context.Context, shop string, ps []Product) error {
	if len(ps) == 0 {
		return nil
	}
	for i := range ps {
		ps[i].Normalize()
		if errs := ps[i].Validate(); len(errs) > 0 {
			return fmt.Errorf("catalog: catalog save %s: product %q: %v", shop, ps[i].ID, errs[0])
		}
	}
	now := c.now()
	ver := uint64(now.UnixNano())
	batch, err := c.CH.PrepareBatch(ctx, "INSERT INTO products (shop, id, title, price, list_price, image, tag, points, script, deleted, updated, version)")
	if err != nil {
		return fmt.Errorf("catalog: catalog save %s: %w", shop, err)
	}
	defer batch.Close()
	for _, p := range ps {
		pts := p.Points
		if pts == nil {
			pts = []string{}
		}
		if err := batch.Append(shop, p.ID, p.Title, p.Price, p.ListPrice, p.Image, p.Tag, pts, p.Script, uint8(0), now, ver); err != nil {
			return fmt.Errorf("catalog: catalog save %s: %w", shop, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("catalog: catalog save %s: %w", shop, err)
	}
	levels := make([]StockLevel, len(ps))
	for i, p := range ps {
		levels[i] = StockLevel{Product: p.ID, Stock: p.Stock, At: now}
	}
	return c.SetStock(ctx, shop, levels)
}

// ErrNoProduct means the shop has no product with the id.
var ErrNoProduct = &livedesk.Error{Code: livedesk.ENOTFOUND, Key: "products.notfound", Message: "catalog: no such product"}

// Delete removes a product (a newer row with deleted = 1); ErrNoProduct when the shop has none
// with the id.
func (c *Catalog) Delete(ctx context.Context, shop, id string) error {
	if _, ok, err := c.Get(ctx, shop, id); err != nil || !ok {
		if err == nil {
			err = ErrNoProduct
		}
		return err
	}
	now := c.now()
	batch, err := c.CH.PrepareBatch(ctx, "INSERT INTO products (shop, id, title, price, list_price, image, tag, points, script, deleted, updated, version)")
	if err != nil {
		return fmt.Errorf("catalog: catalog delete %s/%s: %w", shop, id, err)
	}
	defer batch.Close()
	if err := batch.Append(shop, id, "", int64(0), int64(0), "", "", []string{}, "", uint8(1), now, uint64(now.UnixNano())); err != nil {
		return fmt.Errorf("catalog: catalog delete %s/%s: %w", shop, id, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("catalog: catalog delete %s/%s: %w", shop, id, err)
	}
	return nil
}

// StockLevel is the stock of one product as of At.
type StockLevel struct {
	Product string
	Stock   int64
	At      time.Time
}

// SetStock writes stock levels in one INSERT. The version is At, so an older level arriving
// late never replaces a newer one.
func (c *Catalog) SetStock(ctx context.Context, shop string, levels []StockLevel) error {
	if len(levels) == 0 {
		return nil
	}
	batch, err := c.CH.PrepareBatch(ctx, "INSERT INTO product_stock (shop, product, stock, updated, version)")
	if err != nil {
		return fmt.Errorf("catalog: catalog stock %s: %w", shop, err)
	}
	defer batch.Close()
	for _, l := range levels {
		if err := batch.Append(shop, l.Product, l.Stock, l.At.UTC(), uint64(l.At.UnixNano())); err != nil {
			return fmt.Errorf("catalog: catalog stock %s: %w", shop, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("catalog: catalog stock %s: %w", shop, err)
	}
	return nil
}

// Levels returns the newest stored stock level of each of ids that has one, for products in the
// catalog and products known only from `stock` events alike: product_stock is the one place stock
// lives (catalog saves and stock events both write it), so every screen reads the same number.
func (c *Catalog) Levels(ctx context.Context, shop string, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := c.CH.Query(ctx, "SELECT product, stock FROM product_stock FINAL WHERE shop = ? AND has(?, product)", shop, ids)
	if err != nil {
		return nil, fmt.Errorf("catalog: stock levels %s: %w", shop, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("catalog: stock levels scan: %w", err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: stock levels %s: %w", shop, err)
	}
	return out, nil
}

// Titles returns the titles of the shop's products by id (the daily jobs name products by title).
func (c *Catalog) Titles(ctx context.Context, shop string) (map[string]string, error) {
	rows, err := c.CH.Query(ctx, "SELECT id, argMax(title, version), argMax(deleted, version) FROM products WHERE shop = ? GROUP BY id", shop)
	if err != nil {
		return nil, fmt.Errorf("catalog: titles %s: %w", shop, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, title string
		var deleted uint8
		if err := rows.Scan(&id, &title, &deleted); err != nil {
			return nil, fmt.Errorf("catalog: titles scan: %w", err)
		}
		if deleted == 0 {
			out[id] = title
		}
	}
	return out, rows.Err()
}
