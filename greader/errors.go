package greader

import (
	"encoding/json"
	"log/slog"
	"net/http"

	digest "github.com/occasional-digest/digest"
)

// Codes that only exist at this edge.
const (
	etooLarge = "too_large"
	emethod   = "method_not_allowed"
)

var (
	errTooLarge = digest.Errorf(etooLarge, "request body too large")
	errMethod   = digest.Errorf(emethod, "method not allowed")
)

// status maps an error to its HTTP status: the one place where codes
// become statuses.
func status(err error) int {
	switch digest.ErrorCode(err) {
	case digest.EINVALID:
		return http.StatusBadRequest
	case digest.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case digest.EFORBIDDEN:
		return http.StatusForbidden
	case digest.ENOTFOUND:
		return http.StatusNotFound
	case digest.ECONFLICT:
		return http.StatusConflict
	case digest.ETHROTTLED:
		return http.StatusTooManyRequests
	case digest.EREFUSED:
		return http.StatusUnprocessableEntity
	case digest.EUPSTREAM:
		return http.StatusBadGateway
	case etooLarge:
		return http.StatusRequestEntityTooLarge
	case emethod:
		return http.StatusMethodNotAllowed
	default:
		return http.StatusInternalServerError
	}
}

// writeError answers in the protocol's shape: plain text. A failed
// authentication is "401 Unauthorized" with Google's bad-token header, so
// that clients sign in again; anything else is the status and the
// message. Only server-side failures are logged, with the path alone.
func writeError(w http.ResponseWriter, logger *slog.Logger, r *http.Request, err error) {
	st := status(err)
	msg := digest.ErrorMessage(err)
	switch st {
	case http.StatusUnauthorized:
		w.Header().Set("X-Reader-Google-Bad-Token", "true")
		msg = "Unauthorized"
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "60")
	case http.StatusInternalServerError:
		digest.LogRequestFailure(logger, r, err)
		msg = "Internal Server Error"
	}
	writeText(w, st, msg+"\n")
}

// writeText answers plain text. Write endpoints answer exactly "OK":
// newsboat compares the whole body with it.
func writeText(w http.ResponseWriter, st int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(st)
	_, _ = w.Write([]byte(body))
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeText(w, http.StatusInternalServerError, "Internal Server Error\n")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}

// fail answers err for an authenticated request.
func (h *Handler) fail(w http.ResponseWriter, r *request, err error) {
	writeError(w, h.logger, r.Request, err)
}
