// Package account owns who may do what: a shop's users with their roles and bcrypt password
// hashes (ClickHouse table users), and the server secrets shared by every instance (table auth_secrets).
//
// Users.Authenticate checks a login in constant time whether or not the user exists; Users.Active
// answers within userCacheTTL of a change, so a disabled user is locked out everywhere within 2 s.
package account
