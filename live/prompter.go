package live

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/livedesk/livedesk"
)

// PrompterTick is what an anchor's prompter gets every second instead of the control room's
// tick (as kind "tick", so the prompter page reads the same kind on either socket): the server clock, the pinned product's clicks and paid orders in the window, and the
// buyers' questions. No GMV, no session totals, no flags, no other product, no buyer names:
// an anchor's login sees the prompter's data only.
type PrompterTick struct {
	Room       string            `json:"room"`
	ServerTime int64             `json:"server_time"`
	WindowS    int               `json:"window_s"`
	Pinned     string            `json:"pinned"`
	Products   []PrompterProduct `json:"products"` // the pinned product, when it has a window
	Questions  []TopicCount      `json:"questions"`
	Comments   []PrompterComment `json:"comments"` // recent buyer questions, newest first
}

// PrompterProduct is the pinned product's window as the prompter shows it.
type PrompterProduct struct {
	Product string `json:"product"`
	Clicks  int64  `json:"clicks"`
	Orders  int64  `json:"orders"`
}

// PrompterComment is a recent buyer question without its author, with the product it is about.
type PrompterComment struct {
	TS           int64  `json:"ts"`
	Text         string `json:"text"`
	Topic        string `json:"topic"`
	Product      string `json:"product,omitempty"`
	ProductTitle string `json:"product_title,omitempty"`
}

// prompterTick cuts the prompter's view out of a snapshot. Questions of no known topic ("other")
// are left out: they tell the anchor nothing to answer (livedesk.PrompterTopic).
func prompterTick(s Snapshot) PrompterTick {
	p := PrompterTick{Room: s.Room, ServerTime: s.ServerTime, WindowS: s.WindowS, Pinned: s.Pinned,
		Products: []PrompterProduct{}, Questions: []TopicCount{}, Comments: []PrompterComment{}}
	for _, w := range s.Products {
		if w.Product == s.Pinned && s.Pinned != "" {
			p.Products = append(p.Products, PrompterProduct{Product: w.Product, Clicks: w.Clicks, Orders: w.Orders})
		}
	}
	for _, q := range s.Questions {
		if livedesk.PrompterTopic(q.Topic) {
			p.Questions = append(p.Questions, q)
		}
	}
	for _, c := range s.Comments {
		if livedesk.PrompterTopic(c.Topic) {
			p.Comments = append(p.Comments, PrompterComment{TS: c.TS, Text: c.Text, Topic: c.Topic,
				Product: c.Product, ProductTitle: c.ProductTitle})
		}
	}
	return p
}

// publishPrompter sends the prompter's tick on the room's prompter stream.
func (e *Engine) publishPrompter(ctx context.Context, shop, room string, s Snapshot) error {
	b, err := json.Marshal(prompterTick(s))
	if err != nil {
		return fmt.Errorf("live: encode prompter tick %s/%s: %w", shop, room, err)
	}
	if err := e.Hub.PublishPrompter(ctx, shop, room, "tick", b); err != nil {
		return fmt.Errorf("live: publish prompter tick: %w", err)
	}
	return nil
}
