package main

// e2e_cue_banned_test.go: the control room holds back a cue with banned advertising words (广告法
// 极限词) and lets the operator send it anyway or edit it, in headless Chromium.

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livedesk/livedesk/account"
)

// TestCueBannedWordWarning: a free-text cue with 最便宜 and a one-tap preset with 第一 each open
// the warning naming the words and reach the prompter only after "send anyway"; "edit" puts
// the text back into the input and sends nothing; a shop's own word counts, a built-in word the
// shop turned off does not; the JSON answer is 409 with the words until "confirm": true.
func TestCueBannedWordWarning(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addRoom("shopA", "r1")
	ctx := context.Background()
	if _, err := s.Stage.SetPresets(ctx, "shopA", []string{"全网第一好穿", "强调尺码"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Compliance.SetWord(ctx, "shopA", "秒杀价", false, "admin"); err != nil { // the shop's own word
		t.Fatal(err)
	}
	if err := s.Compliance.SetWord(ctx, "shopA", "顶级", true, "admin"); err != nil { // a built-in word turned off
		t.Fatal(err)
	}

	// The JSON contract first.
	op := newWebClient(t, s.URL())
	op.login("shopA", "op", "op-password-1")
	csrf := op.csrf("/rooms/r1")
	code, body := op.postJSON("/rooms/r1/actions/cue", csrf, `{"text":"今天秒杀价，全网最便宜"}`)
	if code != http.StatusConflict || !strings.Contains(body, `"code":"banned_words"`) ||
		!strings.Contains(body, "最便宜") || !strings.Contains(body, "秒杀价") {
		t.Fatalf("banned cue: %d %s", code, body)
	}
	if st := s.Stage; st != nil {
		if got, err := st.Stage(ctx, "shopA", "r1"); err != nil || got.Cue != nil {
			t.Fatalf("a held cue reached the stage: %+v %v", got.Cue, err)
		}
	}
	if code, body := op.postJSON("/rooms/r1/actions/cue", csrf, `{"text":"顶级面料"}`); code != http.StatusOK {
		t.Fatalf("a word the shop turned off still held the cue: %d %s", code, body)
	}
	if code, body := op.postJSON("/rooms/r1/flags/no_sale:p1:1/respond", csrf, `{"response":"gift","text":"买一送一，100%好评"}`); code != http.StatusConflict || !strings.Contains(body, "100%") {
		t.Fatalf("banned flag response: %d %s", code, body)
	}
	if code, body := op.postJSON("/rooms/r1/actions/cue", csrf, `{"text":"今天秒杀价，全网最便宜","confirm":true}`); code != http.StatusOK || !strings.Contains(body, "最便宜") {
		t.Fatalf("confirmed cue: %d %s", code, body)
	}

	b := newBrowser(t)
	ctl := b.page(t, s.URL())
	login(t, ctl, "shopA", "op", "op-password-1")
	ctl.open("/rooms/r1", "#actions")
	ctl.waitJS(`document.querySelectorAll('#act-presets .preset').length === 2`, 10*time.Second)

	// Free text with a banned word: held, the warning names it; "edit" gives the text back.
	ctl.run(
		chromedp.SetValue(chromedp.CSS(`#act-cue-input`), `<b>全网最便宜</b>`),
		chromedp.Click(chromedp.CSS(`#act-cue-form button`)),
	)
	ctl.waitJS(`!document.getElementById('act-cue-warn').hidden`, 5*time.Second)
	if w := ctl.text("#act-cue-warn-words"); w != "最便宜" {
		t.Errorf("warning names %q, want 最便宜", w)
	}
	if n := evalIn[int](ctl, `document.querySelectorAll('#act-cue-warn b').length`); n != 0 {
		t.Errorf("cue HTML became %d elements in the warning", n)
	}
	ctl.waitText("#act-cue-warn", "提词含广告法禁用词", time.Second)
	ctl.run(chromedp.Click(chromedp.CSS(`#act-cue-warn-edit`)))
	ctl.waitJS(`document.getElementById('act-cue-warn').hidden && document.getElementById('act-cue-input').value === '<b>全网最便宜</b>'`, 5*time.Second)
	if got, err := s.Stage.Stage(ctx, "shopA", "r1"); err != nil || got.Cue == nil || got.Cue.Text != "今天秒杀价，全网最便宜" {
		t.Fatalf("edit sent something: %+v %v", got.Cue, err)
	}
	// The edited text goes straight through.
	ctl.run(
		chromedp.SetValue(chromedp.CSS(`#act-cue-input`), `全网很实惠`),
		chromedp.Click(chromedp.CSS(`#act-cue-form button`)),
	)
	ctl.waitJS(`document.getElementById('act-cue-text').textContent === '全网很实惠' && document.getElementById('act-cue-warn').hidden`, 5*time.Second)

	// A one-tap preset with a banned word: held; "send anyway" sends it.
	ctl.run(chromedp.Click(chromedp.CSS(`#act-presets .preset:first-child`)))
	ctl.waitJS(`!document.getElementById('act-cue-warn').hidden`, 5*time.Second)
	if w := evalIn[string](ctl, `Array.from(document.querySelectorAll('#act-cue-warn-words mark')).map(e => e.textContent).join(',')`); w != "第一,全网第一" {
		t.Errorf("warning names %q, want 第一,全网第一", w)
	}
	ctl.run(chromedp.Click(chromedp.CSS(`#act-cue-warn-send`)))
	ctl.waitJS(`document.getElementById('act-cue-text').textContent === '全网第一好穿' && document.getElementById('act-cue-warn').hidden`, 5*time.Second)
	if got, err := s.Stage.Stage(ctx, "shopA", "r1"); err != nil || got.Cue == nil || got.Cue.Text != "全网第一好穿" {
		t.Fatalf("send anyway: %+v %v", got.Cue, err)
	}
	// English.
	ctl.run(chromedp.Click(chromedp.CSS("#lang-switch")))
	ctl.waitJS(`document.documentElement.lang === "en" && location.pathname === "/rooms/r1"`, 10*time.Second)
	ctl.waitJS(`document.querySelectorAll('#act-presets .preset').length === 2`, 10*time.Second)
	ctl.run(chromedp.Click(chromedp.CSS(`#act-presets .preset:first-child`)))
	ctl.waitText("#act-cue-warn", "Send anyway", 5*time.Second)
	ctl.noJSErrors()
}
