package livedesk

import (
	"errors"
	"fmt"
	"net/http"
)

// Error kinds. Every error a user can cause or see has one; anything else is EINTERNAL.
const (
	ENOTFOUND    = "not_found"   // the named thing does not exist (in the caller's shop)
	EINVALID     = "invalid"     // the input is refused; Message says which field and why
	ECONFLICT    = "conflict"    // the request races or contradicts the current state
	EFORBIDDEN   = "forbidden"   // the caller's role or key may not do this
	EUNAVAILABLE = "unavailable" // a dependency is down or full: try again later
	EINTERNAL    = "internal"    // a bug or an unexpected failure; never shown in detail
)

// Error is an error with a kind and texts that are safe to show. Key names the message in the
// pages' catalogue (views' i18n); Message is the English text, and MessageZH the Chinese one
// where the text carries details (a field name, a limit) the catalogue cannot. Field names the
// input at fault, if any. Err, when set, is the cause, logged but never shown.
type Error struct {
	Code      string
	Key       string
	Field     string
	Message   string
	MessageZH string
	Err       error
}

// Error implements error with the English message and the cause.
func (e *Error) Error() string {
	s := e.Code
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, &Error{Code: X}) match any Error of kind X (and of key Y when set).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Code == e.Code && (t.Key == "" || t.Key == e.Key)
}

// Errorf returns an Error of kind code with an English message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming field, with the reason in English and Chinese.
func Invalid(field, en, zh string) *Error {
	return &Error{Code: EINVALID, Field: field, Message: en, MessageZH: zh}
}

// ErrorCode returns the kind of err: the code of the first Error in its chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorOf returns the first Error in err's chain, or nil.
func ErrorOf(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// ErrorMessage returns the text of err that is safe to show in lang ("en", else Chinese): an
// Error's own text in that language, else "" (callers then show the text of its Key or kind).
// Only errors made with both texts (Invalid) carry one for people; Message alone is for logs.
func ErrorMessage(err error, lang string) string {
	e := ErrorOf(err)
	if e == nil || e.MessageZH == "" {
		return ""
	}
	if lang == "en" {
		return e.Message
	}
	return e.MessageZH
}

// HTTPStatus is the one mapping of error kinds to HTTP status codes, for the pages, the API and
// ingest alike.
func HTTPStatus(err error) int {
	switch ErrorCode(err) {
	case "":
		return http.StatusOK
	case ENOTFOUND:
		return http.StatusNotFound
	case EINVALID:
		return http.StatusBadRequest
	case ECONFLICT:
		return http.StatusConflict
	case EFORBIDDEN:
		return http.StatusForbidden
	case EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}
