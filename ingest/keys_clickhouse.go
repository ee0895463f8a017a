package ingest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/livedesk/livedesk"
)

// ErrNoKey means an API key is missing, unknown or revoked.
var ErrNoKey = errors.New("ingest: unknown or revoked API key")

// keyCacheTTL bounds how long a revoked key keeps working on an instance that has it cached.
const keyCacheTTL = 2 * time.Second

// APIKey describes a key without its secret.
type APIKey struct {
	Prefix  string
	Shop    string
	Name    string
	Scope   string // livedesk.Scope*
	Created time.Time
	Revoked bool
}

// Keys stores API keys in ClickHouse (api_keys, only SHA-256 hashes) and caches lookups briefly.
type Keys struct {
	conn  driver.Conn
	mu    sync.Mutex
	cache map[string]keyEntry
}

type keyEntry struct {
	shop    string
	scope   string
	ok      bool
	expires time.Time
}

// NewKeys returns a key store.
func NewKeys(conn driver.Conn) *Keys { return &Keys{conn: conn, cache: map[string]keyEntry{}} }

func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// Create makes a new ingest-scope key for shop and returns the secret, which is not stored
// anywhere.
func (k *Keys) Create(ctx context.Context, shop, name string) (string, error) {
	return k.CreateScoped(ctx, shop, name, livedesk.ScopeIngest)
}

// CreateScoped makes a new key of scope (livedesk.Scopes) for shop and returns the secret.
func (k *Keys) CreateScoped(ctx context.Context, shop, name, scope string) (string, error) {
	if err := livedesk.ValidID(shop); err != nil {
		return "", err
	}
	if !livedesk.ValidScope(scope) {
		return "", livedesk.Invalid("scope", "scope must be one of ingest, read, operate, admin", "权限范围须为 ingest、read、operate 或 admin")
	}
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("ingest: create key: %w", err)
	}
	secret := "ld_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	if err := k.put(ctx, APIKey{Prefix: secret[:11], Shop: shop, Name: name, Scope: scope, Created: time.Now().UTC()}, hashKey(secret)); err != nil {
		return "", err
	}
	return secret, nil
}

// put writes a version of the key whose secret hashes to hash.
func (k *Keys) put(ctx context.Context, a APIKey, hash string) error {
	b, err := k.conn.PrepareBatch(ctx, "INSERT INTO api_keys (hash, prefix, shop, name, scope, created, revoked, version)")
	if err != nil {
		return fmt.Errorf("ingest: store key: %w", err)
	}
	defer b.Close()
	var rv uint8
	if a.Revoked {
		rv = 1
	}
	if err := b.Append(hash, a.Prefix, a.Shop, a.Name, a.Scope, a.Created, rv, uint64(time.Now().UnixNano())); err != nil {
		return fmt.Errorf("ingest: store key: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("ingest: store key: %w", err)
	}
	return nil
}

// List returns the keys of shop ("" for every shop), newest first.
func (k *Keys) List(ctx context.Context, shop string) ([]APIKey, error) {
	q := "SELECT prefix, shop, name, scope, created, revoked FROM api_keys FINAL"
	var args []any
	if shop != "" {
		q += " WHERE shop = ?"
		args = append(args, shop)
	}
	rows, err := k.conn.Query(ctx, q+" ORDER BY created DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("ingest: list keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		var a APIKey
		var rv uint8
		if err := rows.Scan(&a.Prefix, &a.Shop, &a.Name, &a.Scope, &a.Created, &rv); err != nil {
			return nil, fmt.Errorf("ingest: list keys: %w", err)
		}
		a.Revoked = rv == 1
		out = append(out, a)
	}
	return out, rows.Err()
}

// Shops lists every shop that has an API key (revoked ones included: the shop exists).
func (k *Keys) Shops(ctx context.Context) ([]string, error) {
	rows, err := k.conn.Query(ctx, `SELECT DISTINCT shop FROM api_keys ORDER BY shop`)
	if err != nil {
		return nil, fmt.Errorf("ingest: list shops: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var shop string
		if err := rows.Scan(&shop); err != nil {
			return nil, fmt.Errorf("ingest: list shops: %w", err)
		}
		if shop != "" {
			out = append(out, shop)
		}
	}
	return out, rows.Err()
}

// Revoke revokes the key of shop whose printed prefix (ld_xxxxxxxx) is given. It reports how
// many keys it revoked.
func (k *Keys) Revoke(ctx context.Context, shop, prefix string) (int, error) {
	rows, err := k.conn.Query(ctx, "SELECT hash, prefix, shop, name, scope, created FROM api_keys FINAL WHERE shop = ? AND prefix = ? AND revoked = 0", shop, prefix)
	if err != nil {
		return 0, fmt.Errorf("ingest: revoke key: %w", err)
	}
	type row struct {
		hash string
		key  APIKey
	}
	var found []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.hash, &r.key.Prefix, &r.key.Shop, &r.key.Name, &r.key.Scope, &r.key.Created); err != nil {
			rows.Close()
			return 0, fmt.Errorf("ingest: revoke key: %w", err)
		}
		found = append(found, r)
	}
	rows.Close()
	for _, r := range found {
		r.key.Revoked = true
		if err := k.put(ctx, r.key, r.hash); err != nil {
			return 0, err
		}
	}
	return len(found), nil
}

// Lookup returns the shop of a valid key, or ErrNoKey (see LookupScope).
func (k *Keys) Lookup(ctx context.Context, key string) (string, error) {
	shop, _, err := k.LookupScope(ctx, key)
	return shop, err
}

// LookupScope returns the shop and scope of a valid key, or ErrNoKey. Results are cached for
// keyCacheTTL, so a revoke takes effect everywhere within that time. While ClickHouse is
// unreachable a key that was valid at its last lookup keeps working.
func (k *Keys) LookupScope(ctx context.Context, key string) (shop, scope string, err error) {
	if !strings.HasPrefix(key, "ld_") || len(key) > 100 {
		return "", "", ErrNoKey
	}
	h := hashKey(key)
	now := time.Now()
	k.mu.Lock()
	e, ok := k.cache[h]
	k.mu.Unlock()
	if ok && now.Before(e.expires) {
		if !e.ok {
			return "", "", ErrNoKey
		}
		return e.shop, e.scope, nil
	}
	var revoked uint8
	err = k.conn.QueryRow(ctx, "SELECT shop, scope, revoked FROM api_keys FINAL WHERE hash = ?", h).Scan(&shop, &scope, &revoked)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		// ClickHouse is unreachable: a key known to be valid a moment ago stays valid, so the
		// ingest path keeps acknowledging into the spool while ClickHouse is down.
		if ok && e.ok {
			return e.shop, e.scope, nil
		}
		return "", "", fmt.Errorf("ingest: look up key: %w", err)
	}
	found := err == nil && revoked == 0
	k.mu.Lock()
	if len(k.cache) > 10_000 {
		k.cache = map[string]keyEntry{}
	}
	k.cache[h] = keyEntry{shop: shop, scope: scope, ok: found, expires: now.Add(keyCacheTTL)}
	k.mu.Unlock()
	if !found {
		return "", "", ErrNoKey
	}
	return shop, scope, nil
}
