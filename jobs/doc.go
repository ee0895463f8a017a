// Package jobs runs the shop's daily workflow as scheduled background jobs and turns what needs a
// person into tasks with a deadline.
//
// Scheduling: a gocron scheduler per instance holds one cron job per (shop, job) from the
// job_settings table (defaults from the seed workflow when a shop has no row). A Redis lock
// (bsm/redislock, see RedisLocker) makes each scheduled run happen on exactly one instance.
// Every job takes "now" explicitly from the Runner's clock, so tests drive time.
//
// Tasks: a job returns the conditions it currently sees (Spec); Reconcile turns them into task
// rows. Invariants: one task per (type, subject) — the id is derived from them, so a re-run
// updates instead of duplicating; a task whose condition has cleared is closed with
// closed_by = "auto"; a task done by a person stays done unless its condition clears and later
// returns; snoozed tasks come back when the snooze ends.
//
// Event conventions the jobs rely on (all in the `events` table):
//   - order: order, status, amount (fen), product, user. The order's state is its latest event.
//   - stock: product, value = units left (the latest report wins).
//   - coupon stock: a `coupon` event with an extra field "coupon" (the coupon's id), value =
//     coupons left and text = its name, e.g.
//     {"type":"coupon","room":"shop","coupon":"C199-20","text":"满199减20","value":37,...}.
//     Coupon events without "coupon" (operator actions in a room) are ignored by the coupon job.
//   - review: order, product, rating 1–5, text. A review counts as replied once a cs_message with
//     direction "out" arrives in conversation "review:<order id>".
//   - cs_message: conversation, direction in/out. An incoming message is answered by the first
//     outgoing message of the same conversation after it.
package jobs
