package platform

import (
	"bytes"
	"strings"
)

// decodeTikTok recognises TikTok LIVE relay lines (notes §3.2 d): an event name with its data,
// as TikTok-Live-Connector and TikTokLive emit them —
//
//   - {"event": "chat", "data": {…}} (also "type" for "event"),
//   - {"event": "chat", …the data's fields beside it…},
//   - chat{…} (the event name glued to its JSON, as relays that print events write them).
//
// The data is the connector's: chat.comment (TikTokLive: content), user or flat userId/uniqueId/
// nickname, msgId and createTime flat or in common, member.memberCount, like.likeCount,
// social.displayType / common.displayText.key ("follow", "share"), roomUser.viewerCount.
// Other events (gift, streamEnd, envelope, …) are kept raw.
func decodeTikTok(line []byte) (relayMsg, error) {
	var name string
	if line[0] != '{' {
		i := bytes.IndexByte(line, '{')
		if i <= 0 || i > 40 {
			return relayMsg{}, errUnknownShape
		}
		name = strings.TrimSpace(string(line[:i]))
		line = line[i:]
		if !validEventName(name) {
			return relayMsg{}, errUnknownShape
		}
	}
	o, err := decodeObject(line)
	if err != nil {
		return relayMsg{}, err
	}
	data := o
	if name == "" {
		name = jstr(o, "event", "type")
		if name == "" || !validEventName(name) {
			return relayMsg{}, errUnknownShape
		}
		if d := jobjField(o, "data"); d != nil {
			data = d
		}
	}
	common := jobjField(data, "common")
	m := relayMsg{method: name}
	m.msgID, m.exact = jid(data, "msgId", "msg_id")
	if m.msgID == "" {
		m.msgID, m.exact = jid(common, "msgId", "msg_id")
	}
	m.ts = relayTime(data, "createTime", "create_time", "timestamp")
	if m.ts.IsZero() {
		m.ts = relayTime(common, "createTime", "create_time")
	}
	if u := jobjField(data, "user"); u != nil {
		m.user = userOf(u)
	} else {
		m.user = userOf(data) // the legacy flat shape: userId, uniqueId, nickname beside the comment
	}
	switch strings.ToLower(strings.ReplaceAll(name, "_", "")) {
	case "chat", "comment":
		m.kind, m.text = "chat", jstr(data, "comment", "content")
	case "member", "join":
		m.kind = "member"
		m.count, _ = jint(data, "memberCount", "member_count")
	case "like":
		m.kind = "like"
		m.count, _ = jint(data, "likeCount", "like_count", "count")
	case "social":
		m.kind, m.share = "social", tiktokSocial(data, common)
		if m.share == 0 {
			m.kind = name // neither follow nor share: kept raw
		}
	case "follow":
		m.kind = "follow"
	case "share":
		m.kind = "share"
	case "roomuser", "roomuserseq", "viewercount":
		m.kind, m.count = "online", -1
		if n, ok := jint(data, "viewerCount", "viewer_count", "total", "m_total"); ok {
			m.count = n
		}
	default:
		m.kind = name
	}
	return m, nil
}

// tiktokSocial tells a social event's kind from its display key (the connector's own rule:
// "follow" or "share" in common.displayText.key, legacy displayType): 1 follow, 2 share, 0 other.
func tiktokSocial(data, common jobj) int {
	key := jstr(data, "displayType", "display_type")
	if d := jobjField(common, "displayText", "display_text"); d != nil {
		key += " " + jstr(d, "key")
	}
	key = strings.ToLower(key)
	switch {
	case strings.Contains(key, "follow"):
		return 1
	case strings.Contains(key, "share"):
		return 2
	}
	return 0
}

// validEventName accepts an event name of letters, digits and '_' (at most 40).
func validEventName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
