package platform

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// decodeDouyin recognises the Douyin relay shapes (notes §3.2):
//
//   - protojson (jwwsjlm/douyinLive): the message's own fields in lowerCamelCase, "method" beside
//     them, 64-bit ids as strings, zero values left out;
//   - snake_case protobuf JSON: the method in "common.method", ids in "common.msg_id";
//   - the envelope {"method", "msg_id", "payload": {…}} (ids may be JSON numbers, some rounded);
//   - dycast's DyMessage {id, method, user:{id, name}, content, gift, room:{audienceCount…}, time};
//   - the relay's own system frames ({"type":"system", …}): kept raw.
func decodeDouyin(line []byte) (relayMsg, error) {
	o, err := decodeObject(line)
	if err != nil {
		return relayMsg{}, err
	}
	var m relayMsg
	body := o
	common := jobjField(o, "common")
	switch {
	case jobjField(o, "payload") != nil && jstr(o, "method") != "":
		body = jobjField(o, "payload")
		m.method = jstr(o, "method")
		m.msgID, m.exact = jid(o, "msg_id", "msgId")
		if c := jobjField(body, "common"); c != nil {
			common = c
		}
	case common != nil && (jstr(o, "method") != "" || jstr(common, "method") != ""):
		m.method = jstr(o, "method")
		if m.method == "" {
			m.method = jstr(common, "method")
		}
	case jstr(o, "method") != "" && (jfield(o, "id") != nil || jobjField(o, "room") != nil || jobjField(o, "user") != nil):
		m.method = jstr(o, "method") // dycast
		m.msgID, m.exact = jid(o, "id")
	case jstr(o, "type") == "system":
		m.method = "system"
		if e := jstr(o, "event"); e != "" {
			m.method = "system:" + cutRunes(e, 40)
		}
		m.kind = m.method
		return m, nil
	default:
		return relayMsg{}, errUnknownShape
	}
	if m.method == "" {
		return relayMsg{}, errors.New("method: required (e.g. WebcastChatMessage)")
	}
	if m.msgID == "" {
		m.msgID, m.exact = jid(common, "msgId", "msg_id")
	}
	m.ts = relayTime(common, "createTime", "create_time")
	if m.ts.IsZero() {
		m.ts = relayTime(body, "eventTime", "event_time", "time", "createTime", "create_time")
	}
	m.user = userOf(jobjField(body, "user"))
	room := jobjField(body, "room") // dycast
	switch douyinKind(m.method) {
	case "Chat":
		m.kind, m.text = "chat", jstr(body, "content")
	case "EmojiChat":
		m.kind, m.text = "chat", jstr(body, "defaultContent", "default_content", "content")
	case "Member":
		m.kind = "member"
		if n, ok := jint(body, "memberCount", "member_count"); ok {
			m.count = n
		} else if n, ok := jint(room, "audienceCount"); ok {
			m.count = n
		}
	case "Like":
		m.kind = "like"
		if n, ok := jint(body, "count"); ok {
			m.count = n
		} else if g := likeTimes.FindStringSubmatch(jstr(body, "content")); g != nil {
			m.count, _ = strconv.ParseInt(g[1], 10, 64)
		}
	case "Social":
		m.kind, m.share = "social", douyinSocial(body, common)
	case "RoomUserSeq":
		m.kind, m.count = "online", -1
		if n, ok := jint(body, "total"); ok {
			m.count = n
		} else if n, ok := jint(room, "audienceCount"); ok {
			m.count = n
		} else if jobjField(o, "common") != nil {
			m.count = 0 // protojson leaves a zero total out
		}
	default:
		m.kind = m.method // a gift, a control message, ranks, stats…: kept raw
	}
	return m, nil
}

var likeTimes = regexp.MustCompile(`[x×*]\s*(\d{1,6})`)

// douyinKind is the message name without "Webcast" and "Message" (WebcastChatMessage → Chat).
func douyinKind(method string) string {
	k := strings.TrimPrefix(method, "Webcast")
	return strings.TrimSuffix(k, "Message")
}

// douyinSocial tells follow (1) from share (2). The relays give no documented discriminator
// (notes §3.1): a share names its target or type (share_target, share_type) or says 分享 in its
// text; action 1 is a follow; anything else is counted as a follow, as the relays show it.
func douyinSocial(body, common jobj) int {
	if jstr(body, "shareTarget", "share_target") != "" {
		return 2
	}
	if n, ok := jint(body, "shareType", "share_type"); ok && n > 0 {
		return 2
	}
	text := jstr(body, "content") + jstr(common, "describe")
	if d := jobjField(common, "displayText", "display_text"); d != nil {
		text += jstr(d, "defaultPattern", "default_pattern", "key")
	}
	if strings.Contains(text, "分享") || strings.Contains(strings.ToLower(text), "share") {
		return 2
	}
	return 1
}
