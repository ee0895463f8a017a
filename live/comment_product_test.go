package live

import (
	"context"
	"testing"
	"time"

	"github.com/livedesk/livedesk/catalog"
)

func TestCartNumber(t *testing.T) {
	for _, c := range []struct {
		id, title string
		want      int
	}{
		{"coat", "23号 双面羊毛大衣", 23}, {"x", "【7】冰丝阔腿裤", 7}, {"x", "#12 纯棉T恤", 12}, {"x", "No.5 围巾", 5},
		{"x", "羊毛大衣 3号链接", 3}, {"x", "链接 9 羽绒服", 9}, {"4", "真丝围巾", 4},
		{"p1", "2024新款 羊毛大衣", 0}, {"1234", "围巾", 0}, {"x", "160/80A 衬衫", 0},
	} {
		if got := CartNumber(catalog.Product{ID: c.id, Title: c.title}); got != c.want {
			t.Errorf("%s %q: %d, want %d", c.id, c.title, got, c.want)
		}
	}
}

type listOnly []catalog.Product

func (l listOnly) List(context.Context, string) ([]catalog.Product, error) { return l, nil }

// Questions attach to the product they name; one naming none goes to the pinned product when the
// tick reads it; an unknown number and comments that are not questions stay unattached.
func TestAttachProducts(t *testing.T) {
	cat := listOnly{{ID: "coat", Title: "23号 双面羊毛大衣"}, {ID: "pants", Title: "夏季冰丝阔腿裤"}}
	c := &Counters{names: &productNames{list: func() ProductLister { return cat }}, Now: func() time.Time { return testBase }}
	var a batchAgg
	a.init()
	a.comments["k"] = []Comment{
		{Text: "23号大衣还有吗", Topic: "stock"}, {Text: "冰丝阔腿裤现在什么价", Topic: "price"},
		{Text: "多少钱", Topic: "price"}, {Text: "9号还有吗", Topic: "stock"}, {Text: "666"},
	}
	c.attachProducts(context.Background(), "s", &a)
	cs := a.comments["k"]
	onPinned(cs, "pants")
	want := []struct {
		product, title string
		on             bool
	}{{"coat", "23号 双面羊毛大衣", false}, {"pants", "夏季冰丝阔腿裤", false}, {"pants", "", true}, {"", "", false}, {"", "", false}}
	for i, w := range want {
		if cs[i].Product != w.product || cs[i].ProductTitle != w.title || cs[i].OnPinned != w.on {
			t.Errorf("%q: %+v, want %+v", cs[i].Text, cs[i], w)
		}
	}
	if got := commentUser("3685175470864206", `{"src":"relay","nickname":"<b>小王</b>"}`); got != "<b>小王</b>" {
		t.Errorf("relay nickname: %q", got)
	}
	if got := commentUser("3685175470864206", `{"src":"relay"}`); got != "" {
		t.Errorf("relay without nickname shows %q, not nothing", got)
	}
	if got := commentUser("u1", ""); got != "u1" {
		t.Errorf("posted user: %q", got)
	}
}
