package views

import "strings"

// onboardingCurl is the empty state's example: one click event posted to the ingest API.
func onboardingCurl(base, room string) string {
	return strings.Join([]string{
		"curl -X POST " + base + "/api/v1/events \\",
		"  -H 'Authorization: Bearer '$LIVEDESK_API_KEY \\",
		"  -H 'Content-Type: application/x-ndjson' \\",
		`  --data-binary '{"id":"evt-'$(date +%s)'","type":"click","ts":'$(date +%s000)',"room":"` + room + `","product":"p-1001","user":"u1"}'`,
	}, "\n")
}

// noEvents reports whether no room of the shop has received an event: the shop has no data yet.
func noEvents(rooms []RoomRow) bool {
	for _, r := range rooms {
		if !r.Last.IsZero() {
			return false
		}
	}
	return true
}

// onboardingRoom is the room the empty state's examples post to: the shop's first, else "live1".
func onboardingRoom(rooms []RoomRow) string {
	if len(rooms) > 0 {
		return rooms[0].Room
	}
	return "live1"
}

// productLabel names a product by its title with the id as secondary text, "title（id）", or
// the id alone when titles has none.
func productLabel(titles map[string]string, id string) string {
	if t := titles[id]; t != "" && t != id {
		return t + "（" + id + "）"
	}
	return id
}
