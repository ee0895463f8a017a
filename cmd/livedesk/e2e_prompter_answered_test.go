package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/livedesk/livedesk/account"
)

// TestPrompterAnswered checks the top unanswered buyer question topics in headless Chromium:
// questions posted → their topic is shown; the anchor taps "answered" → it disappears (also
// after a reload: it is stored with the stage); a new question of the topic → it comes back,
// counting only that question.
func TestPrompterAnswered(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "anchor", account.RoleAnchor, "anchor-password-1")
	s.addRoom("shopA", "r1")

	pr := newBrowser(t).page(t, s.URL())
	login(t, pr, "shopA", "anchor", "anchor-password-1")
	pr.open("/rooms/r1/prompter", "#prompter")
	pr.waitJS(`window.livedesk && livedesk.online`, 10*time.Second)

	key := s.apiKey("shopA")
	postComments := func(ts time.Time, ids []string, texts []string) {
		t.Helper()
		var ev strings.Builder
		for i, q := range texts {
			fmt.Fprintf(&ev, `{"id":%q,"type":"comment","ts":"%s","room":"r1","user":"v%d","text":%q}`+"\n",
				ids[i], ts.UTC().Format(time.RFC3339), i, q)
		}
		if code, res := s.post(key, []byte(ev.String())); code != 200 || res["accepted"] != float64(len(texts)) {
			t.Fatalf("post comments: %d %v", code, res)
		}
	}
	postComments(time.Now().Add(-10*time.Second),
		[]string{"q1", "q2", "q3", "q4", "q5"},
		[]string{"有S码吗？", "L码有吗", "尺码怎么选", "什么时候发货", "顺丰吗"})
	size := `#q-list li[data-topic="size"]`
	pr.waitJS(`!!document.querySelector('`+size+`') && !!document.querySelector('#q-list li[data-topic="shipping"]')`, 10*time.Second)
	if got := pr.text(size + " .q-count"); got != "×3" {
		t.Fatalf("size count %q, want ×3", got)
	}

	// Answered → the topic leaves the list; the others stay.
	pr.run(chromedp.Click(chromedp.CSS(size + " .q-answered")))
	pr.waitJS(`!document.querySelector('`+size+`') && !!document.querySelector('#q-list li[data-topic="shipping"]')`, 5*time.Second)
	if n := s.count("SELECT count() FROM events WHERE shop = 'shopA' AND room = 'r1' AND type = 'cue' AND position(extra, '\"answered\":\"size\"') > 0"); n != 1 {
		t.Errorf("answered events = %d, want 1", n)
	}
	// It is stored with the stage: a reloaded prompter (a new screen) does not show it either.
	pr.run(chromedp.Reload())
	pr.waitJS(`window.livedesk && livedesk.online && !!document.querySelector('#q-list li[data-topic="shipping"]')`, 10*time.Second)
	time.Sleep(1500 * time.Millisecond) // a tick or two after the reload; also puts the next ts after T
	if evalIn[bool](pr, `!!document.querySelector('`+size+`')`) {
		t.Fatalf("answered topic back after reload: %q", pr.text("#q-list"))
	}

	// A new question on the topic → it comes back, counting only the question after T.
	postComments(time.Now(), []string{"q6"}, []string{"<b>XL码</b>有吗"})
	pr.waitJS(`!!document.querySelector('`+size+`')`, 10*time.Second)
	if got := pr.text(size + " .q-count"); got != "×1" {
		t.Fatalf("size count after the new question %q, want ×1", got)
	}
	if got := pr.text(size + " .q-example"); got != "“<b>XL码</b>有吗”" {
		t.Fatalf("size example %q", got)
	}
	pr.noJSErrors()
}
