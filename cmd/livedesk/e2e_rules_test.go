package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livedesk/livedesk/account"
)

// TestE2EOperatorRule drives two headless Chromiums: the operator writes a rule in the control
// room's rules editor (clicks > 20 and no sale in 1 minute, answered by a flash sale), events
// cross it, the flag appears with the rule's name and the numbers that made it fire, one tap
// shows what the flash sale will do and a second starts it, the anchor's prompter counts it
// down, and the flag records the response.
func TestE2EOperatorRule(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addUser("shopA", "anchor", account.RoleAnchor, "anchor-password-1")
	s.addRoom("shopA", "r1")
	seedCatalog(t, s)

	opB, anB := newBrowser(t), newBrowser(t)
	ctl := opB.page(t, s.URL())
	login(t, ctl, "shopA", "op", "op-password-1")
	ctl.open("/rooms/r1", "#actions")
	evalIn[bool](ctl, `document.getElementById('rules-details').open = true`)
	ctl.waitJS(`document.querySelectorAll('#rules-list .rule-row').length === 7`, 10*time.Second)

	pr := anB.page(t, s.URL())
	login(t, pr, "shopA", "anchor", "anchor-password-1")
	pr.open("/rooms/r1/prompter", "#prompter")
	pr.waitJS(`window.livedesk && livedesk.online`, 10*time.Second)

	// Write the rule: a new rule starts as "each product, clicks > 20"; add "paid orders = 0"
	// and a flash-sale response.
	const name = "一分钟二十次点击没成交"
	ctl.run(chromedp.Click(chromedp.CSS(`#rules-add`)), chromedp.WaitVisible(chromedp.CSS(`#rule-name`)))
	ctl.run(
		chromedp.SetValue(chromedp.CSS(`#rule-name`), name),
		chromedp.SetValue(chromedp.CSS(`#rule-window`), "1"),
		chromedp.Click(chromedp.CSS(`#rule-add-cond`)),
		chromedp.Click(chromedp.CSS(`#rule-add-resp`)),
	)
	evalIn[bool](ctl, `(function(){
		var c = document.querySelectorAll('#rule-conds .rule-cond');
		c[0].querySelector('.cond-metric').value = 'clicks';
		c[0].querySelector('.cond-op').value = '>';
		c[0].querySelector('.cond-value').value = '20';
		c[1].querySelector('.cond-metric').value = 'paid_orders';
		c[1].querySelector('.cond-op').value = '=';
		c[1].querySelector('.cond-value').value = '0';
		var r = document.querySelector('#rule-resps .rule-resp');
		var k = r.querySelector('.resp-kind');
		k.value = 'flash_sale';
		k.dispatchEvent(new Event('change'));
		return true })()`)
	ctl.run(
		chromedp.SetValue(chromedp.CSS(`#rule-resps .resp-price`), "9.90"),
		chromedp.SetValue(chromedp.CSS(`#rule-resps .resp-qty`), "50"),
		chromedp.SetValue(chromedp.CSS(`#rule-resps .resp-duration`), "120"),
	)
	ctl.run(chromedp.Click(chromedp.CSS(`#rule-preview`)))
	ctl.waitText("#rule-preview-out", "当前不会触发", 5*time.Second) // no clicks yet
	ctl.screenshot("rules-editor.png")
	ctl.run(chromedp.Click(chromedp.CSS(`#rule-save`)))
	ctl.waitText("#rules-list", name, 10*time.Second)
	ctl.waitText("#rules-changes", "op", 5*time.Second)
	if n := s.count("SELECT count() FROM live_config_changes WHERE shop = 'shopA' AND room = 'r1' AND kind = 'rules' AND actor = 'op'"); n != 1 {
		t.Fatalf("rule change not logged: %d", n)
	}

	// Events cross it: 25 clicks on p2 and no sale.
	var ev strings.Builder
	ts := time.Now().UTC().Format(time.RFC3339)
	for i := 0; i < 25; i++ {
		fmt.Fprintf(&ev, `{"id":"rc%d","type":"click","ts":"%s","room":"r1","user":"u%d","product":"p2"}`+"\n", i, ts, i)
	}
	if code, res := s.post(s.apiKey("shopA"), []byte(ev.String())); code != 200 || res["accepted"] != 25.0 {
		t.Fatalf("post clicks: %d %v", code, res)
	}
	ctl.waitText("#flags", name, 10*time.Second)
	detail := evalIn[string](ctl, fmt.Sprintf(`(function(){
		var f = Array.from(document.querySelectorAll('#flags .flag')).find(e => e.textContent.indexOf(%q) >= 0);
		return f ? f.querySelector('.flag-detail').textContent : '' })()`, name))
	if !strings.Contains(detail, "点击数 25 > 20") || !strings.Contains(detail, "支付订单数 0 = 0") {
		t.Fatalf("flag detail %q does not show the numbers that fired it", detail)
	}

	// The first tap shows what will happen; the second starts the flash sale.
	tap := fmt.Sprintf(`(function(){
		var f = Array.from(document.querySelectorAll('#flags .flag')).find(e => e.textContent.indexOf(%q) >= 0);
		var b = f && f.querySelector('.js-flag-respond[data-kind="flash_sale"]');
		if (!b) return false;
		b.click();
		return true })()`, name)
	if !evalIn[bool](ctl, tap) {
		t.Fatal("no flash-sale response on the flag")
	}
	ctl.waitText("#act-msg", "¥9.90 × 50", 3*time.Second)
	if pr.text("#flash-clock") != "" && !evalIn[bool](pr, `document.getElementById('flash').hidden`) {
		t.Fatal("the flash sale started on the first tap")
	}
	if !evalIn[bool](ctl, tap) {
		t.Fatal("the flag went away before the second tap")
	}
	pr.waitJS(`!document.getElementById('flash').hidden && /^\d+:\d\d$/.test(document.getElementById('flash-clock').textContent)`, 5*time.Second)
	first := mmssSeconds(t, pr.text("#flash-clock"))
	time.Sleep(2100 * time.Millisecond)
	second := mmssSeconds(t, pr.text("#flash-clock"))
	if first > 120 || first < 110 || second >= first {
		t.Fatalf("countdown %d s then %d s", first, second)
	}
	if p := pr.text("#flash-price"); p != "¥9.90" {
		t.Fatalf("flash price %q", p)
	}
	if n := s.count("SELECT count() FROM flag_events WHERE shop = 'shopA' AND room = 'r1' AND action = 'responded' AND position(detail, 'flash_sale') > 0 AND actor = 'op'"); n != 1 {
		t.Fatalf("responded flag events = %d", n)
	}
	ctl.waitText("#flags", "已处理", 5*time.Second)
	ctl.screenshot("rules-control.png")
	ctl.noJSErrors()
	pr.noJSErrors()
}
