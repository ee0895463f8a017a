package live

import (
	"context"
	"strconv"
	"strings"

	"github.com/livedesk/livedesk"
)

// FlagNotifier sends a text to the shop's group bot (飞书 / 企业微信) in the background; cmd
// connects it to the jobs package's webhook sender, so the engine does not import jobs.
type FlagNotifier interface {
	NotifyFlag(ctx context.Context, shop, text string)
}

// notifyFlags sends each newly raised flag of a rule with Notify to the shop's group bot.
func (e *Engine) notifyFlags(ctx context.Context, shop, room string, changes []flagChange) {
	if e.Notifier == nil {
		return
	}
	for _, c := range changes {
		if c.Action == FlagRaised && c.Flag.Notify {
			e.Notifier.NotifyFlag(ctx, shop, FlagText(c.Flag, room, "zh")+"\n"+FlagText(c.Flag, room, "en"))
		}
	}
}

// FlagText describes a raised flag in lang ("en", else zh-CN): room, rule name, subject and the
// numbers that made it fire, e.g. 直播间 r1 · 有点击没成交 · 商品 p7：点击数 130 > 100，支付订单数 0 = 0（近 5 分钟）.
func FlagText(f Flag, room, lang string) string {
	en := lang == "en"
	var b strings.Builder
	if en {
		b.WriteString("Room " + room + " · " + RuleName(f.Rule, f.Name, lang))
	} else {
		b.WriteString("直播间 " + room + " · " + RuleName(f.Rule, f.Name, lang))
	}
	switch {
	case f.Product != "" && en:
		b.WriteString(" · product " + f.Product)
	case f.Product != "":
		b.WriteString(" · 商品 " + f.Product)
	case f.Topic != "":
		b.WriteString(" · " + livedesk.TopicLabel(f.Topic, lang))
	}
	if len(f.When) > 0 {
		if en {
			b.WriteString(": ")
		} else {
			b.WriteString("：")
		}
		for i, c := range f.When {
			if i > 0 {
				if en {
					b.WriteString(", ")
				} else {
					b.WriteString("，")
				}
			}
			b.WriteString(MetricLabel(c.Metric, lang) + " " + num(c.Actual) + " " + c.Op + " " + num(c.Value))
		}
	}
	if f.WindowS > 0 {
		m := strconv.Itoa(f.WindowS / 60)
		if f.WindowS%60 != 0 {
			m = strconv.FormatFloat(float64(f.WindowS)/60, 'f', 1, 64)
		}
		if en {
			b.WriteString(" (last " + m + " min)")
		} else {
			b.WriteString("（近 " + m + " 分钟）")
		}
	}
	return b.String()
}

// num formats a number without needless decimals.
func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
