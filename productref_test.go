package livedesk

import "testing"

func TestProductRef(t *testing.T) {
	cart := []ProductName{
		{ID: "p-pants", Title: "夏季冰丝阔腿裤 女 垂感", Number: 1},
		{ID: "p-coat", Title: "双面羊毛大衣 中长款", Number: 23},
		{ID: "p-down", Title: "轻薄羽绒大衣", Number: 3},
		{ID: "p-tee", Title: "Cotton oversized tee 纯棉T恤", Number: 2},
		{ID: "p-nonum", Title: "真丝围巾"},
	}
	for _, c := range []struct {
		text, pinned, want string
	}{
		{"23号大衣还有吗", "p-pants", "p-coat"},   // the number wins over the pinned product and the title
		{"3号链接多少钱", "", "p-down"},           // 3号链接
		{"二号多少钱", "", "p-tee"},              // Chinese numeral
		{"链接23有优惠吗", "", "p-coat"},          // 链接N
		{"#3 还有吗", "", "p-down"},            // #N
		{"第一个还有吗", "", "p-pants"},           // 第N个
		{"link 2 price?", "", "p-tee"},      // English
		{"9号还有吗", "p-pants", ""},            // a number no product has: not the pinned one
		{"冰丝阔腿裤现在什么价", "p-coat", "p-pants"}, // distinctive title words
		{"羊毛大衣什么面料", "", "p-coat"},          // 羊毛 is only the coat's
		{"大衣还有吗", "p-down", "p-down"},       // 大衣 is two products': the pinned one is one of them
		{"大衣还有吗", "p-pants", ""},            // … and when it is not, it is not clear
		{"is the cotton tee see through", "", "p-tee"},
		{"围巾多少钱", "p-pants", "p-nonum"},      // a product without a cart number, by title
		{"多少钱", "p-coat", "p-coat"},          // no reference: the pinned product
		{"有S码吗", "", ""},                     // no reference, nothing pinned
		{"要不要拍大一号", "p-pants", "p-pants"},    // 大一号 is a size, not product 1
		{"160/110斤穿什么码", "p-coat", "p-coat"}, // sizes and weights are not numbers
	} {
		if got := ProductRef(c.text, cart, c.pinned); got != c.want {
			t.Errorf("ProductRef(%q, pinned %q) = %q, want %q", c.text, c.pinned, got, c.want)
		}
	}
	if got := ProductRef("23号", nil, "p"); got != "" {
		t.Errorf("empty catalog with a number: %q, want \"\"", got)
	}
}
