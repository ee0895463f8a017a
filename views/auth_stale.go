package views

import (
	"sync"
	"time"

	"github.com/livedesk/livedesk/account"
)

// staleUserMax is how long a user last read from ClickHouse may stand in for it while ClickHouse
// is unreachable. Users are stored only in ClickHouse, so nobody can be disabled or changed
// while it is down; the bound keeps an instance from trusting a very old answer.
const staleUserMax = 30 * time.Minute

// knownUsers keeps the last active answer for each user this instance authenticated, so a
// logged-in operator keeps the console (pages live on Redis) while ClickHouse is down. It is
// consulted only when the user lookup fails with a storage error, never when it says no.
type knownUsers struct {
	mu sync.Mutex
	m  map[string]knownUser
}

type knownUser struct {
	user account.User
	at   time.Time
}

func (k *knownUsers) put(u account.User, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil || len(k.m) > 10_000 {
		k.m = map[string]knownUser{}
	}
	k.m[u.Shop+"\x00"+u.Name] = knownUser{user: u, at: now}
}

func (k *knownUsers) get(shop, name string, now time.Time) (account.User, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.m[shop+"\x00"+name]
	if !ok || now.Sub(e.at) > staleUserMax {
		return account.User{}, false
	}
	return e.user, true
}
