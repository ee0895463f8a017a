package views

import (
	"sync"

	"github.com/gofiber/fiber/v2"
)

// Languages the console speaks; the first is the default.
const (
	LangZH = "zh-CN"
	LangEN = "en"
)

// langCookie remembers the visitor's language choice.
const langCookie = "ld_lang"

var (
	stringsMu sync.RWMutex
	messages  = map[string]map[string]string{LangZH: {}, LangEN: {}}
)

// AddStrings adds translations for lang (LangZH or LangEN). Each area calls it from an init
// function in its own views/i18n_<area>.go; a key added twice keeps the last value.
func AddStrings(lang string, m map[string]string) {
	stringsMu.Lock()
	defer stringsMu.Unlock()
	dst, ok := messages[lang]
	if !ok {
		dst = map[string]string{}
		messages[lang] = dst
	}
	for k, v := range m {
		dst[k] = v
	}
}

// T returns the text of key in lang, falling back to Chinese, then to the key itself (so a
// missing string is visible, not blank).
func T(lang, key string) string {
	stringsMu.RLock()
	defer stringsMu.RUnlock()
	if s, ok := messages[lang][key]; ok {
		return s
	}
	if s, ok := messages[LangZH][key]; ok {
		return s
	}
	return key
}

// LangOf returns the language of the request: the ld_lang cookie, else Chinese.
func LangOf(c *fiber.Ctx) string {
	if c.Cookies(langCookie) == LangEN {
		return LangEN
	}
	return LangZH
}

func init() {
	AddStrings(LangZH, map[string]string{
		"app.name":          "livedesk 直播中控台",
		"app.short":         "livedesk",
		"nav.rooms":         "直播间",
		"nav.logout":        "退出",
		"lang.switch":       "English",
		"role.admin":        "管理员",
		"role.operator":     "场控",
		"role.anchor":       "主播",
		"role.viewer":       "只读",
		"login.title":       "登录",
		"login.shop":        "店铺",
		"login.user":        "用户名",
		"login.password":    "密码",
		"login.submit":      "登录",
		"login.bad":         "店铺、用户名或密码不正确。",
		"login.wait":        "尝试次数过多，请 {wait}后再试。",
		"login.unavailable": "登录服务暂不可用，请稍后再试。",
		"login.expired":     "页面已过期，请重新提交。",
		"error.forbidden":   "没有权限访问此页面。",
		"error.notfound":    "找不到该页面。",
		"error.invalid":     "输入有误，请检查后重试。",
		"error.conflict":    "内容已被更改，请刷新后重试。",
		"error.unavailable": "服务暂时不可用，请稍后再试。",
		"error.internal":    "服务器出错了，请稍后再试。",
		"error.csrf":        "页面已过期，请刷新后重试。",
		"rooms.title":       "直播间",
		"rooms.empty":       "还没有直播间。接入事件后直播间会出现在这里，也可以在下面新建。",
		"rooms.room":        "直播间",
		"rooms.last":        "最近事件",
		"rooms.events24":    "24 小时事件数",
		"rooms.open":        "中控台",
		"rooms.prompter":    "提词器",
		"rooms.new":         "新建直播间",
		"rooms.new.name":    "直播间 ID（字母、数字、- _ .）",
		"rooms.new.submit":  "创建",
		"rooms.new.bad":     "直播间 ID 只能包含字母、数字、- _ .，最长 64 个字符。",
		"rooms.never":       "—",
		"rooms.live":        "直播中",
		"offline":           "连接已断开，正在重连…",
	})
	AddStrings(LangEN, map[string]string{
		"app.name":          "livedesk control room",
		"app.short":         "livedesk",
		"nav.rooms":         "Rooms",
		"nav.logout":        "Log out",
		"lang.switch":       "中文",
		"role.admin":        "admin",
		"role.operator":     "operator",
		"role.anchor":       "anchor",
		"role.viewer":       "viewer",
		"login.title":       "Log in",
		"login.shop":        "Shop",
		"login.user":        "User",
		"login.password":    "Password",
		"login.submit":      "Log in",
		"login.bad":         "Wrong shop, user or password.",
		"login.wait":        "Too many attempts. Try again in {wait}.",
		"login.unavailable": "Login is unavailable right now. Try again shortly.",
		"login.expired":     "The page expired. Please submit again.",
		"error.forbidden":   "You may not open this page.",
		"error.notfound":    "Page not found.",
		"error.invalid":     "Some input is not valid. Check it and try again.",
		"error.conflict":    "This changed meanwhile. Reload and try again.",
		"error.unavailable": "The service is unavailable for a moment. Try again shortly.",
		"error.internal":    "Something went wrong on the server. Try again shortly.",
		"error.csrf":        "The page expired. Reload it and try again.",
		"rooms.title":       "Rooms",
		"rooms.empty":       "No rooms yet. Rooms appear here once events arrive; you can also create one below.",
		"rooms.room":        "Room",
		"rooms.last":        "Last event",
		"rooms.events24":    "Events (24 h)",
		"rooms.open":        "Control room",
		"rooms.prompter":    "Prompter",
		"rooms.new":         "New room",
		"rooms.new.name":    "Room id (letters, digits, - _ .)",
		"rooms.new.submit":  "Create",
		"rooms.new.bad":     "A room id holds only letters, digits, - _ . and at most 64 characters.",
		"rooms.never":       "—",
		"rooms.live":        "live",
		"offline":           "Offline — reconnecting…",
	})
}
