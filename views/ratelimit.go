package views

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Login attempts are counted in Redis (every instance shares the counts) BEFORE the password is
// checked, in one script, so concurrent attempts cannot all reach bcrypt. Each counter allows a
// few free attempts, then one attempt per delay that doubles with every further attempt, up to
// loginMaxDelay: a guesser slows to a crawl, and a known user is never locked out for good.
//
//   - per (shop, user, client address): loginFreePerSource free attempts — the owner typing a
//     password wrong is not slowed by an attacker elsewhere;
//   - per (shop, user) from anywhere: loginFreePerUser free attempts;
//   - per client address: loginFreePerIP free attempts (many users from one address).
//
// Counts live loginWindow after the last attempt; a success clears the user's counts.
const (
	loginWindow        = 15 * time.Minute
	loginMaxDelay      = 15 * time.Minute
	loginFreePerSource = 5
	loginFreePerUser   = 20
	loginFreePerIP     = 50
)

func attemptKey(shop, name, ip string) string { return "ld:auth:try:{" + shop + "}:" + name + ":" + ip }
func attemptUserKey(shop, name string) string { return "ld:auth:tryu:{" + shop + "}:" + name }
func attemptIPKey(ip string) string           { return "ld:auth:tryip:{" + ip + "}" }

// attemptScript counts one attempt on each key (KEYS[i]: a hash with n = attempts and next =
// unix ms before which no attempt is allowed) against its free allowance ARGV[i+2]; ARGV[1] is
// now in ms, ARGV[2] the window in ms, ARGV[3] the delay cap in ms. It returns 0 when the attempt
// may proceed, else the ms to wait. Denied attempts still count (and so lengthen the delay).
// The keys may sit in different cluster slots; the script is run per key group by attempt.
var attemptScript = redis.NewScript(`
local now, window, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local wait = 0
for i, k in ipairs(KEYS) do
  local free = tonumber(ARGV[i + 3])
  local n = redis.call('HINCRBY', k, 'n', 1)
  redis.call('PEXPIRE', k, window)
  if n > free then
    local nextAt = tonumber(redis.call('HGET', k, 'next') or '0')
    if now < nextAt then
      wait = math.max(wait, nextAt - now)
    else
      local delay = math.min(cap, 1000 * 2 ^ (n - free - 1))
      redis.call('HSET', k, 'next', now + delay)
    end
  end
end
return wait
`)

// loginAttempt counts an attempt by (shop, name) from ip and returns how long the caller must
// wait first (0: go on and check the password).
func (s *Server) loginAttempt(ctx context.Context, ip, shop, name string) (time.Duration, error) {
	now := strconv.FormatInt(s.now().UnixMilli(), 10)
	args := func(free ...int) []any {
		a := []any{now, loginWindow.Milliseconds(), loginMaxDelay.Milliseconds()}
		for _, f := range free {
			a = append(a, f)
		}
		return a
	}
	// Two calls: the per-user keys share the shop's slot, the per-address key has its own.
	w1, err := attemptScript.Run(ctx, s.Redis, []string{attemptKey(shop, name, ip), attemptUserKey(shop, name)},
		args(loginFreePerSource, loginFreePerUser)...).Int64()
	if err != nil {
		return 0, err
	}
	w2, err := attemptScript.Run(ctx, s.Redis, []string{attemptIPKey(ip)}, args(loginFreePerIP)...).Int64()
	if err != nil {
		return 0, err
	}
	return time.Duration(max(w1, w2)) * time.Millisecond, nil
}

// loginSucceeded clears the user's counts (the address's stay: it may be trying many users).
func (s *Server) loginSucceeded(ctx context.Context, ip, shop, name string) {
	if err := s.Redis.Del(ctx, attemptKey(shop, name, ip), attemptUserKey(shop, name)).Err(); err != nil {
		s.Log.Warn("views: clear login attempts", "err", err)
	}
}
