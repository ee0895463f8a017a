package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/livedesk/livedesk/account"
)

// TestActionsInShopCurrency: a shop in VND (no minor digits) types prices in whole đồng — the
// flash sale and the coupon store them as such (the product form reads prices the same way,
// livedesk.Currency.Parse); a decimal the currency does not have is refused.
func TestActionsInShopCurrency(t *testing.T) {
	s := startServer(t)
	if _, err := s.Shops.Save(context.Background(), "shopA", "Asia/Ho_Chi_Minh", "VND", "test"); err != nil {
		t.Fatal(err)
	}
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addRoom("shopA", "r1")
	seedCatalog(t, s)
	op := newWebClient(t, s.URL())
	op.login("shopA", "op", "op-password-1")
	tok := op.csrf("/rooms/r1")
	code, body := op.postJSON("/rooms/r1/actions/flash", tok, `{"product":"p1","price":"50,000","qty":5,"seconds":60}`)
	if code != http.StatusOK || !strings.Contains(body, `"price":50000`) {
		t.Fatalf("flash sale at 50,000₫: %d %s", code, body)
	}
	if code, body := op.postJSON("/rooms/r1/actions/flash", tok, `{"product":"p1","price":"50000.5","qty":5,"seconds":60}`); code != http.StatusBadRequest {
		t.Fatalf("half a đồng: %d %s", code, body)
	}
	code, body = op.postJSON("/rooms/r1/actions/coupon", tok, `{"discount":"20000","threshold":"200000","qty":10}`)
	if code != http.StatusOK || !strings.Contains(body, `"discount":20000`) || !strings.Contains(body, `"threshold":200000`) {
		t.Fatalf("coupon in đồng: %d %s", code, body)
	}
}
