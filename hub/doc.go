// Package hub fans messages out to websockets: one Redis pub/sub subscription per instance, each
// message encoded once (in a Redis script that also stamps its sequence and keeps the latest of
// its kind) and the same bytes written to every local socket of the room through a bounded queue.
//
// Redis keys (hash tag per room or shop): ld:live:ch:{tag} (channel), ld:live:seq:{tag} (message
// sequence), ld:live:latest:{tag} (kind → latest envelope, replayed to a socket on connect).
package hub
