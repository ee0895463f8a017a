package jobs

import (
	"context"
	"fmt"
)

// TypeDeadLetter is the task raised when ClickHouse refused some of a shop's events for their
// content: they were acknowledged to the sender and wait in the server's dead letters.
const TypeDeadLetter = "dead_letter"

// RaiseDeadLetter opens an urgent admin task for shop about rows events set aside under the
// dead-letter batch id, and announces it like any urgent task. The ClickHouse message stays in
// the server log and `livedesk dead-letter list`: it is the server's detail, not the shop's.
func (r *Runner) RaiseDeadLetter(ctx context.Context, shop, batch string, rows int) error {
	now := r.Now()
	s := Spec{Type: TypeDeadLetter, SubjectKind: SubjectShop, SubjectID: batch, Severity: SeverityUrgent, Role: RoleAdmin,
		Title:   fmt.Sprintf("%d 条事件未能写入数据库，已暂存", rows),
		TitleEn: fmt.Sprintf("%d events could not be stored and were set aside", rows),
		Detail: "数据库拒绝了这些事件的内容；其他数据照常写入。请服务器管理员用 livedesk dead-letter list 查看原因，修复后用 livedesk dead-letter redrive " + batch + " 重新写入。" +
			" / The database refused these events' content; everything else is stored as usual. The server's administrator can see why with `livedesk dead-letter list` and store them once fixed with `livedesk dead-letter redrive " + batch + "`."}
	t := fromSpec(shop, s.ID(), s, now)
	if err := r.Store.SaveTasks(ctx, []Task{t}); err != nil {
		return fmt.Errorf("jobs: raise dead-letter task: %w", err)
	}
	r.deliver(ctx, shop, taskNotification("ingest", t))
	return nil
}
