package greader

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// clientLogin: POST (or GET) /accounts/ClientLogin with Email and Passwd
// in the form or the query → "SID=…\nLSID=…\nAuth=TOKEN\n" (JSON with
// output=json, as Read You asks). Passwd is an app password; the login
// password never works here. Failures are 401 "Error=BadAuthentication",
// 429 when the name or address is throttled.
func (h *Handler) clientLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		writeText(w, http.StatusMethodNotAllowed, "Error=MethodNotAllowed\n")
		return
	}
	form, err := readForm(r)
	if err != nil {
		st := status(err)
		writeText(w, st, "Error=BadRequest\n")
		return
	}
	name, pass := strings.TrimSpace(form.Get("Email")), form.Get("Passwd")
	if name == "" || pass == "" {
		writeText(w, http.StatusUnauthorized, "Error=BadAuthentication\n")
		return
	}
	u, cred, err := h.auth.AppLogin(r.Context(), name, pass, h.opts.Addr(r))
	if err == nil {
		var token string
		token, err = h.auth.NewReaderToken(r.Context(), u, cred)
		if err == nil {
			if form.Get("output") == "json" {
				writeJSON(w, map[string]string{"SID": token, "LSID": token, "Auth": token})
				return
			}
			writeText(w, http.StatusOK, "SID="+token+"\nLSID="+token+"\nAuth="+token+"\n")
			return
		}
	}
	switch digest.ErrorCode(err) {
	case digest.EUNAUTHORIZED:
		writeText(w, http.StatusUnauthorized, "Error=BadAuthentication\n")
	case digest.ETHROTTLED:
		w.Header().Set("Retry-After", "60")
		writeText(w, http.StatusTooManyRequests, "Error=TooManyAttempts\n")
	default:
		writeError(w, h.logger, r, err)
	}
}

// authenticate returns the user of the request's token: the header
// "Authorization: GoogleLogin auth=TOKEN" or, on a POST without that
// header, the form's T (clients that speak to Miniflux send the token
// there, since its write token is the auth token).
func (h *Handler) authenticate(r *http.Request, form url.Values) (*digest.User, error) {
	token, ok, err := headerToken(r.Header.Values("Authorization"))
	if err != nil {
		return nil, err
	}
	if !ok && r.Method == http.MethodPost {
		token = strings.TrimSpace(form.Get("T"))
		ok = token != ""
	}
	if !ok {
		return nil, digest.Errorf(digest.EUNAUTHORIZED, "no credentials")
	}
	return h.auth.ReaderTokenUser(r.Context(), token, h.opts.Addr(r))
}

// headerToken reads "GoogleLogin auth=TOKEN" (scheme and name in any
// case, the token optionally quoted). ok is false when there is no
// Authorization header; a malformed one is EUNAUTHORIZED.
func headerToken(values []string) (token string, ok bool, err error) {
	if len(values) == 0 {
		return "", false, nil
	}
	bad := digest.Errorf(digest.EUNAUTHORIZED, "malformed Authorization header")
	if len(values) > 1 {
		return "", false, bad
	}
	scheme, params, found := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !found || !strings.EqualFold(scheme, "GoogleLogin") {
		return "", false, bad
	}
	key, val, found := strings.Cut(strings.TrimSpace(params), "=")
	if !found || !strings.EqualFold(strings.TrimSpace(key), "auth") {
		return "", false, bad
	}
	val = strings.TrimSpace(val)
	if uq, err := strconv.Unquote(val); err == nil {
		val = uq
	}
	if val == "" || len(val) > 200 || strings.ContainsAny(val, " \t,") {
		return "", false, bad
	}
	return val, true, nil
}

// userInfo: GET /reader/api/0/user-info → the user's ID and name.
func (h *Handler) userInfo(w http.ResponseWriter, r *request) {
	id := strconv.FormatInt(r.user.ID, 10)
	writeJSON(w, map[string]any{
		"userId":              id,
		"userName":            r.user.Name,
		"userProfileId":       id,
		"userEmail":           r.user.Name,
		"isBloggerUser":       false,
		"signupTimeSec":       r.user.Created.Unix(),
		"isMultiLoginEnabled": false,
	})
}

// token: GET /reader/api/0/token → the write token T, a line of plain
// text. It is the auth token itself: T adds nothing to a header that
// cannot be forged cross-site, and a client that sends T without the
// header (as Miniflux's clients may) is then still signed in. Clients
// send T back in any form (Reeder "x", FeedMe empty); with the header
// present it is not checked.
func (h *Handler) token(w http.ResponseWriter, r *request) {
	token, ok, _ := headerToken(r.Header.Values("Authorization"))
	if !ok {
		token = strings.TrimSpace(r.form.Get("T"))
	}
	writeText(w, http.StatusOK, token+"\n")
}
