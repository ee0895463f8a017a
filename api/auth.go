package api

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/ingest"
)

// What an endpoint needs of its caller.
const (
	needStage   = "stage" // the prompter's data: read scope, or an anchor's session
	needRead    = livedesk.ScopeRead
	needOperate = livedesk.ScopeOperate
	needAdmin   = livedesk.ScopeAdmin
)

// caller is who made a request: their shop, their scope, and a name for the records ("key:"
// and the key's prefix, or the user's login name).
type caller struct {
	Shop   string
	Scope  string
	Name   string
	Anchor bool // a session of the anchor role: the prompter's data only
}

// allows reports whether the caller may call an endpoint that needs need.
func (c caller) allows(need string) bool {
	if c.Anchor {
		return need == needStage
	}
	if need == needStage {
		need = needRead
	}
	return livedesk.ScopeAllows(c.Scope, need)
}

// roleScopes maps a session's role to the API scope it acts with.
var roleScopes = map[string]string{
	account.RoleAdmin:    livedesk.ScopeAdmin,
	account.RoleOperator: livedesk.ScopeOperate,
	account.RoleViewer:   livedesk.ScopeRead,
}

const callerLocal = "api.caller"

// callerOf returns the caller auth stored on c.
func callerOf(c *fiber.Ctx) caller {
	v, _ := c.Locals(callerLocal).(caller)
	return v
}

// auth returns the middleware of endpoints that need need: a Bearer key, else a login session;
// 401 without either, 403 (JSON) when the scope or role is not enough.
func (s *Server) auth(need string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		who, err := s.identify(c)
		if err != nil {
			return s.reply(c, err)
		}
		if !who.allows(need) {
			scope := who.Scope
			if who.Anchor {
				scope = "anchor"
			}
			return s.reply(c, &livedesk.Error{Code: livedesk.EFORBIDDEN,
				Message:   "this needs the " + need + " scope; the caller has " + scope,
				MessageZH: "此操作需要 " + need + " 权限，当前为 " + scope})
		}
		c.Locals(callerLocal, who)
		return c.Next()
	}
}

// errNoCaller answers a request with neither a key nor a session.
var errNoCaller = &livedesk.Error{Code: "unauthenticated", Message: "send Authorization: Bearer <API key>, or log in",
	MessageZH: "请发送 Authorization: Bearer <API 密钥>，或先登录"}

// identify resolves the request's key or session.
func (s *Server) identify(c *fiber.Ctx) (caller, error) {
	if auth := c.Get(fiber.HeaderAuthorization); auth != "" {
		key, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			return caller{}, errNoCaller
		}
		shop, scope, err := s.Keys.LookupScope(c.UserContext(), strings.TrimSpace(key))
		if errors.Is(err, ingest.ErrNoKey) {
			return caller{}, &livedesk.Error{Code: "unauthenticated", Message: "unknown or revoked API key", MessageZH: "API 密钥无效或已撤销"}
		}
		if err != nil {
			return caller{}, &livedesk.Error{Code: livedesk.EUNAVAILABLE, Message: "api: key lookup", Err: err}
		}
		return caller{Shop: shop, Scope: scope, Name: "key:" + keyPrefix(key)}, nil
	}
	if s.Sessions == nil {
		return caller{}, errNoCaller
	}
	u, ok, err := s.Sessions.SessionUser(c)
	if err != nil {
		return caller{}, err
	}
	if !ok {
		return caller{}, errNoCaller
	}
	return caller{Shop: u.Shop, Scope: roleScopes[u.Role], Name: u.Name, Anchor: u.Role == account.RoleAnchor}, nil
}

// keyPrefix is the printed prefix of a key (as `key list` shows it), never the secret.
func keyPrefix(key string) string {
	key = strings.TrimSpace(key)
	if len(key) > 11 {
		return key[:11]
	}
	return key
}
