package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/livedesk/livedesk"
	"golang.org/x/crypto/bcrypt"
)

// Roles a user can have in a shop.
const (
	RoleAdmin    = "admin"    // everything, including users and jobs
	RoleOperator = "operator" // runs the stream: 开播/下播, pins, cues, flags
	RoleAnchor   = "anchor"   // sees the prompter only; changes nothing
	RoleViewer   = "viewer"   // reads every page; changes nothing
)

// Roles lists the valid roles, most powerful first.
var Roles = []string{RoleAdmin, RoleOperator, RoleAnchor, RoleViewer}

// ErrBadLogin means the shop, user or password is wrong, or the user is disabled. Callers show
// one message for all of these so a login form does not reveal which user names exist.
var ErrBadLogin = errors.New("live: wrong shop, user or password")

// ErrNoUser means the user does not exist (or is disabled) in the shop.
var ErrNoUser = errors.New("live: no such active user")

// userCacheTTL bounds how long a disabled user or a changed role keeps its old state on an
// instance: every request re-reads the user at most this long after the last read.
const userCacheTTL = 2 * time.Second

// staleUserMax is how long the last answer read for a user may stand in for ClickHouse while it
// is unreachable (Active only): users live only in ClickHouse, so nobody can be disabled or
// changed meanwhile, and the bound keeps an instance from trusting a very old answer. It lets a
// logged-in operator keep the console (whose pages live on Redis) through an outage.
const staleUserMax = 30 * time.Minute

// bcryptCost is the bcrypt work factor for new hashes.
const bcryptCost = 11

// User is one login of a shop, without its hash.
type User struct {
	Shop     string
	Name     string
	Role     string
	Disabled bool
	Created  time.Time
	Updated  time.Time
}

// Users stores logins in ClickHouse (table users, ReplacingMergeTree read with FINAL) and caches
// lookups for userCacheTTL.
type Users struct {
	conn driver.Conn
	now  func() time.Time

	mu    sync.Mutex
	cache map[string]userEntry
}

type userEntry struct {
	user    User
	hash    string
	found   bool
	read    time.Time // when it was read from ClickHouse
	expires time.Time
}

// NewUsers returns a user store on conn.
func NewUsers(conn driver.Conn) *Users {
	return &Users{conn: conn, now: time.Now, cache: map[string]userEntry{}}
}

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool {
	for _, r := range Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Put creates the user, or replaces the password and role of an existing one and enables it
// again. It reports whether the user existed before.
func (u *Users) Put(ctx context.Context, shop, name, role, password string) (existed bool, err error) {
	if err := livedesk.ValidID(shop); err != nil {
		return false, err
	}
	if err := livedesk.ValidUserName(name); err != nil {
		return false, err
	}
	if !ValidRole(role) {
		return false, fmt.Errorf("live: role %q is not one of %s", role, strings.Join(Roles, ", "))
	}
	if len(password) < 8 {
		return false, errors.New("live: a password needs at least 8 characters")
	}
	if len(password) > 72 {
		return false, errors.New("live: a password may have at most 72 bytes (bcrypt's limit)")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return false, fmt.Errorf("live: hash password: %w", err)
	}
	now := u.now().UTC()
	created := now
	old, _, found, err := u.load(ctx, shop, name)
	if err != nil {
		return false, err
	}
	if found {
		created = old.Created
	}
	if err := u.write(ctx, User{Shop: shop, Name: name, Role: role, Created: created, Updated: now}, string(hash)); err != nil {
		return false, err
	}
	return found, nil
}

// Disable turns the user off; its sessions stop working within userCacheTTL on every instance.
func (u *Users) Disable(ctx context.Context, shop, name string) error {
	user, hash, found, err := u.load(ctx, shop, name)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: %s in shop %s", ErrNoUser, name, shop)
	}
	if user.Disabled {
		return nil
	}
	user.Disabled = true
	user.Updated = u.now().UTC()
	return u.write(ctx, user, hash)
}

// write stores one version of a user and drops it from this instance's cache.
func (u *Users) write(ctx context.Context, user User, hash string) error {
	b, err := u.conn.PrepareBatch(ctx, "INSERT INTO users (shop, name, role, hash, disabled, created, updated, version)")
	if err != nil {
		return fmt.Errorf("live: store user %s/%s: %w", user.Shop, user.Name, err)
	}
	defer b.Close()
	var disabled uint8
	if user.Disabled {
		disabled = 1
	}
	if err := b.Append(user.Shop, user.Name, user.Role, hash, disabled, user.Created, user.Updated, uint64(u.now().UnixNano())); err != nil {
		return fmt.Errorf("live: store user %s/%s: %w", user.Shop, user.Name, err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("live: store user %s/%s: %w", user.Shop, user.Name, err)
	}
	u.mu.Lock()
	delete(u.cache, user.Shop+"\x00"+user.Name)
	u.mu.Unlock()
	return nil
}

// load reads the newest version of a user, disabled or not.
func (u *Users) load(ctx context.Context, shop, name string) (User, string, bool, error) {
	user := User{Shop: shop, Name: name}
	var hash string
	var disabled uint8
	err := u.conn.QueryRow(ctx, "SELECT role, hash, disabled, created, updated FROM users FINAL WHERE shop = ? AND name = ?", shop, name).
		Scan(&user.Role, &hash, &disabled, &user.Created, &user.Updated)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, "", false, nil
	}
	if err != nil {
		return User{}, "", false, fmt.Errorf("live: load user %s/%s: %w", shop, name, err)
	}
	user.Disabled = disabled == 1
	return user, hash, true, nil
}

// cached returns the user through the short cache.
func (u *Users) cached(ctx context.Context, shop, name string) (userEntry, error) {
	key := shop + "\x00" + name
	now := u.now()
	u.mu.Lock()
	e, ok := u.cache[key]
	u.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e, nil
	}
	user, hash, found, err := u.load(ctx, shop, name)
	if err != nil {
		return userEntry{}, err
	}
	e = userEntry{user: user, hash: hash, found: found, read: now, expires: now.Add(userCacheTTL)}
	u.mu.Lock()
	if len(u.cache) > 10_000 {
		u.cache = map[string]userEntry{}
	}
	u.cache[key] = e
	u.mu.Unlock()
	return e, nil
}

// Active returns the user when it exists and is enabled, else ErrNoUser. It reads through the
// short cache, so a disable or role change is seen within userCacheTTL. When ClickHouse cannot
// answer, the last answer read within staleUserMax stands in; only without one is the error
// returned.
func (u *Users) Active(ctx context.Context, shop, name string) (User, error) {
	e, err := u.cached(ctx, shop, name)
	if err != nil {
		u.mu.Lock()
		last, ok := u.cache[shop+"\x00"+name]
		u.mu.Unlock()
		if !ok || u.now().Sub(last.read) > staleUserMax {
			return User{}, err
		}
		e = last
	}
	if !e.found || e.user.Disabled {
		return User{}, ErrNoUser
	}
	return e.user, nil
}

// dummyHash is compared against when the user does not exist, so a wrong name costs the same
// time as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("livedesk-no-such-user"), bcryptCost)

// Authenticate checks a password. It returns ErrBadLogin for an unknown or disabled user or a
// wrong password, taking about the same time in every case.
func (u *Users) Authenticate(ctx context.Context, shop, name, password string) (User, error) {
	if livedesk.ValidID(shop) != nil || livedesk.ValidUserName(name) != nil || len(password) > 72 {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return User{}, ErrBadLogin
	}
	user, hash, found, err := u.load(ctx, shop, name)
	if err != nil {
		return User{}, err
	}
	if !found || user.Disabled {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return User{}, ErrBadLogin
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return User{}, ErrBadLogin
	}
	return user, nil
}

// List returns the users of shop ("" for every shop), ordered by shop and name.
func (u *Users) List(ctx context.Context, shop string) ([]User, error) {
	q := "SELECT shop, name, role, disabled, created, updated FROM users FINAL"
	var args []any
	if shop != "" {
		q += " WHERE shop = ?"
		args = append(args, shop)
	}
	rows, err := u.conn.Query(ctx, q+" ORDER BY shop, name", args...)
	if err != nil {
		return nil, fmt.Errorf("live: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var user User
		var disabled uint8
		if err := rows.Scan(&user.Shop, &user.Name, &user.Role, &disabled, &user.Created, &user.Updated); err != nil {
			return nil, fmt.Errorf("live: list users: %w", err)
		}
		user.Disabled = disabled == 1
		out = append(out, user)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("live: list users: %w", err)
	}
	return out, nil
}
