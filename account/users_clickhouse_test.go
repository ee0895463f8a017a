package account

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

func TestUsersLifecycle(t *testing.T) {
	_, conn := localtest.Database(t)
	ctx := context.Background()
	u := NewUsers(conn)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	u.now = func() time.Time { return now }

	for _, bad := range []struct{ shop, name, role, pass string }{
		{"", "op", RoleOperator, "password-1"},
		{"s1", "o p", RoleOperator, "password-1"},
		{"s1", "op", "boss", "password-1"},
		{"s1", "op", RoleOperator, "short"},
	} {
		if _, err := u.Put(ctx, bad.shop, bad.name, bad.role, bad.pass); err == nil {
			t.Errorf("Put(%q, %q, %q, %q) accepted", bad.shop, bad.name, bad.role, bad.pass)
		}
	}
	existed, err := u.Put(ctx, "s1", "op", RoleOperator, "password-1")
	if err != nil || existed {
		t.Fatalf("first put: %v %v", existed, err)
	}
	if _, err := u.Put(ctx, "s2", "op", RoleViewer, "password-2"); err != nil {
		t.Fatal(err)
	}
	// Right password only, and only in its own shop.
	if got, err := u.Authenticate(ctx, "s1", "op", "password-1"); err != nil || got.Role != RoleOperator {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	for _, c := range [][3]string{{"s1", "op", "password-2"}, {"s2", "op", "password-1"}, {"s1", "nobody", "password-1"}, {"s3", "op", "password-1"}} {
		if _, err := u.Authenticate(ctx, c[0], c[1], c[2]); !errors.Is(err, ErrBadLogin) {
			t.Errorf("authenticate %v: %v, want ErrBadLogin", c, err)
		}
	}
	// Put again: new password and role, same creation time.
	now = now.Add(time.Hour)
	existed, err = u.Put(ctx, "s1", "op", RoleAdmin, "password-3")
	if err != nil || !existed {
		t.Fatalf("second put: %v %v", existed, err)
	}
	if _, err := u.Authenticate(ctx, "s1", "op", "password-1"); !errors.Is(err, ErrBadLogin) {
		t.Errorf("old password still works: %v", err)
	}
	list, err := u.List(ctx, "s1")
	if err != nil || len(list) != 1 || list[0].Role != RoleAdmin || !list[0].Created.Equal(now.Add(-time.Hour)) || list[0].Disabled {
		t.Fatalf("list: %+v %v", list, err)
	}
	all, _ := u.List(ctx, "")
	if len(all) != 2 {
		t.Fatalf("list all: %+v", all)
	}
	// Disable: no login, no session (Active) once the cache has expired.
	if _, err := u.Active(ctx, "s1", "op"); err != nil {
		t.Fatal(err)
	}
	other := NewUsers(conn) // another instance with its own cache
	other.now = func() time.Time { return now }
	if _, err := other.Active(ctx, "s1", "op"); err != nil {
		t.Fatal(err)
	}
	if err := u.Disable(ctx, "s1", "op"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Authenticate(ctx, "s1", "op", "password-3"); !errors.Is(err, ErrBadLogin) {
		t.Errorf("disabled user logs in: %v", err)
	}
	if _, err := u.Active(ctx, "s1", "op"); !errors.Is(err, ErrNoUser) {
		t.Errorf("disabling instance still sees the user active: %v", err)
	}
	if _, err := other.Active(ctx, "s1", "op"); err != nil {
		t.Errorf("other instance within its cache TTL: %v", err)
	}
	now = now.Add(userCacheTTL + time.Millisecond)
	if _, err := other.Active(ctx, "s1", "op"); !errors.Is(err, ErrNoUser) {
		t.Errorf("other instance after the cache TTL: %v, want ErrNoUser", err)
	}
	if err := u.Disable(ctx, "s1", "ghost"); !errors.Is(err, ErrNoUser) {
		t.Errorf("disable unknown user: %v", err)
	}
	// Re-adding enables again.
	if _, err := u.Put(ctx, "s1", "op", RoleOperator, "password-4"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Authenticate(ctx, "s1", "op", "password-4"); err != nil {
		t.Errorf("re-enabled user: %v", err)
	}
}

// TestSecretSameEverywhere: instances racing to create the session secret end up with one.
func TestSecretSameEverywhere(t *testing.T) {
	_, conn := localtest.Database(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([][]byte, 4)
	var mu sync.Mutex
	lock := func(context.Context) (func(), error) { mu.Lock(); return mu.Unlock, nil }
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := Secret(ctx, conn, "session", lock)
			if err != nil {
				t.Error(err)
			}
			got[i] = b
		}()
	}
	wg.Wait()
	for i := range got {
		if len(got[i]) != 32 || string(got[i]) != string(got[0]) {
			t.Fatalf("secret %d differs or is short: %x vs %x", i, got[i], got[0])
		}
	}
	again, err := Secret(ctx, conn, "session", nil)
	if err != nil || string(again) != string(got[0]) {
		t.Fatalf("secret changed: %v", err)
	}
}
