// Package platform owns the shops' connections to the selling platforms (抖店 message push and
// TikTok Shop webhooks): the integrations with their sealed app secrets (table integrations),
// the signed webhook endpoints, the mapping of platform messages onto livedesk events, and the
// order enrichment through the platforms' order-detail APIs with the shops' access tokens
// (sealed in table integration_tokens; token.go).
package platform
