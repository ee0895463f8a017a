package views

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Login attempts are limited by failures, counted in Redis so every instance shares them: at most
// loginFailsPerUser wrong passwords per shop user and loginFailsPerIP per client address within
// loginWindow. A success clears the user's count.
const (
	loginWindow       = 15 * time.Minute
	loginFailsPerUser = 10
	loginFailsPerIP   = 50
)

func failUserKey(shop, name string) string { return "ld:auth:fail:{" + shop + "}:" + name }
func failIPKey(ip string) string           { return "ld:auth:failip:{" + ip + "}" }

// loginLimited reports whether the user or the address has used up its failures.
func (s *Server) loginLimited(ctx context.Context, ip, shop, name string) (bool, error) {
	u, err := s.failures(ctx, failUserKey(shop, name))
	if err != nil {
		return false, err
	}
	i, err := s.failures(ctx, failIPKey(ip))
	if err != nil {
		return false, err
	}
	return u >= loginFailsPerUser || i >= loginFailsPerIP, nil
}

func (s *Server) failures(ctx context.Context, key string) (int, error) {
	n, err := s.Redis.Get(ctx, key).Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

// loginFailed counts one failure for the user and the address; the count lives loginWindow from
// the first failure.
func (s *Server) loginFailed(ctx context.Context, ip, shop, name string) error {
	for _, k := range []string{failUserKey(shop, name), failIPKey(ip)} {
		n, err := s.Redis.Incr(ctx, k).Result()
		if err != nil {
			return err
		}
		if n == 1 {
			if err := s.Redis.Expire(ctx, k, loginWindow).Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// loginSucceeded clears the user's failures.
func (s *Server) loginSucceeded(ctx context.Context, shop, name string) {
	if err := s.Redis.Del(ctx, failUserKey(shop, name)).Err(); err != nil {
		s.Log.Warn("views: clear login failures", "err", err)
	}
}
