package web

import (
	"net/http"
	"strings"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
)

// The pages of accounts: sign-in, sign-out, one-time links, the first
// admin's setup, a user's settings (password, sessions, API keys, app
// passwords) and the admin's user list.

type loginPage struct {
	layout
	Name, Next, Problem string
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if u, _, err := s.identify(r); err == nil && u != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next"), "/"), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", loginPage{layout: s.layout(r, "Sign in", "login"), Next: localPath(r.URL.Query().Get("next"), "/")})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	name, password := strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("password")
	next := localPath(r.PostForm.Get("next"), "/")
	u, err := s.auth.Login(r.Context(), name, password, s.ClientAddr(r))
	if err != nil {
		if !auth.IsAuthError(err) {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, httpStatus(err), "login", loginPage{layout: s.layout(r, "Sign in", "login"),
			Name: name, Next: next, Problem: errorMessage(err)})
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// startSession signs the browser in as u: a new session and its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *digest.User) error {
	token, ss, err := s.auth.StartSession(r.Context(), u, r.UserAgent(), s.ClientAddr(r))
	if err != nil {
		return err
	}
	secure := s.secure(r)
	clearSiteData(w) // no page kept offline for another session
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie(secure), Value: token, Path: "/", Expires: ss.Expires,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	secure := s.secure(r)
	if c, err := r.Cookie(sessionCookie(secure)); err == nil {
		if err := s.auth.EndSession(r.Context(), c.Value); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie(secure), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	clearSiteData(w) // the pages kept offline and the service worker go
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// loginLink signs the browser in with a one-time link (digest demo's).
func (s *Server) loginLink(w http.ResponseWriter, r *http.Request) {
	u, err := s.auth.UseLoginLink(r.Context(), r.PathValue("token"), s.ClientAddr(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

type setupPage struct {
	layout
	Token, Name, Problem string
}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if err := s.auth.CheckSetupLink(r.Context(), token); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "setup", setupPage{layout: s.layout(r, "Welcome", "login"), Token: token})
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	token, name, password := r.PathValue("token"), strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("password")
	if password != r.PostForm.Get("confirm") {
		s.render(w, r, http.StatusBadRequest, "setup", setupPage{layout: s.layout(r, "Welcome", "login"), Token: token, Name: name,
			Problem: "The two passwords differ."})
		return
	}
	u, err := s.auth.UseSetupLink(r.Context(), token, name, password, s.ClientAddr(r))
	if err != nil {
		if digest.ErrorCode(err) == digest.EINVALID {
			s.render(w, r, http.StatusBadRequest, "setup", setupPage{layout: s.layout(r, "Welcome", "login"), Token: token, Name: name,
				Problem: errorMessage(err)})
			return
		}
		s.pageError(w, r, err)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/feeds", http.StatusSeeOther)
}

type settingsPage struct {
	layout
	User         *digest.User
	Sessions     []sessionRow
	APIKeys      []digest.Credential
	AppPasswords []digest.Credential
	// NewSecret is a key or app password just created, shown once.
	NewSecret, NewKind, NewName string
	Base                        string // the server's address for the app instructions
	Notice, Problem             string
	// Zone is the time zone form's value: the reader's zone, or what
	// they typed when it was refused.
	Zone string
}

type sessionRow struct {
	digest.Session
	Current bool
}

func (s *Server) settings(w http.ResponseWriter, r *http.Request) {
	p := settingsPage{}
	if r.URL.Query().Get("zone") == "saved" {
		p.Notice = "Time zone saved: dates and times are shown in it."
	}
	s.renderSettings(w, r, http.StatusOK, p)
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, p settingsPage) {
	ctx := r.Context()
	u := userOf(r)
	p.layout, p.User = s.layout(r, "Settings", "settings"), u
	if p.Zone == "" && p.Problem == "" {
		p.Zone = u.Settings.TimeZone
	}
	ss, err := s.store.Sessions(ctx, u.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cur := sessionFrom(ctx)
	for _, x := range ss {
		p.Sessions = append(p.Sessions, sessionRow{Session: x, Current: cur != nil && cur.ID == x.ID})
	}
	if p.APIKeys, err = s.store.Credentials(ctx, u.ID, digest.APIKey); err != nil {
		s.pageError(w, r, err)
		return
	}
	if p.AppPasswords, err = s.store.Credentials(ctx, u.ID, digest.AppPassword); err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Base = s.baseURL(r)
	s.render(w, r, status, "settings", p)
}

// baseURL is the address clients reach this server at: the configured
// one, or the request's own scheme and host.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimSuffix(s.cfg.BaseURL, "/")
	}
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := r.Context()
	u := userOf(r)
	current, next := r.PostForm.Get("current"), r.PostForm.Get("password")
	if u.PasswordHash != "" && !auth.CheckPassword(u.PasswordHash, current) {
		s.renderSettings(w, r, http.StatusBadRequest, settingsPage{Problem: "The current password is wrong."})
		return
	}
	if next != r.PostForm.Get("confirm") {
		s.renderSettings(w, r, http.StatusBadRequest, settingsPage{Problem: "The two new passwords differ."})
		return
	}
	keep := int64(0)
	if ss := sessionFrom(ctx); ss != nil {
		keep = ss.ID
	}
	if err := s.auth.SetPassword(ctx, u, next, keep); err != nil {
		if digest.ErrorCode(err) == digest.EINVALID {
			s.renderSettings(w, r, http.StatusBadRequest, settingsPage{Problem: errorMessage(err)})
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.renderSettings(w, r, http.StatusOK, settingsPage{Notice: "Password changed; your other sessions are signed out."})
}

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.store.DeleteSession(r.Context(), uid(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings#sessions", http.StatusSeeOther)
}

func (s *Server) revokeOtherSessions(w http.ResponseWriter, r *http.Request) {
	keep := int64(0)
	if ss := sessionFrom(r.Context()); ss != nil {
		keep = ss.ID
	}
	if _, err := s.store.DeleteSessions(r.Context(), uid(r), keep); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings#sessions", http.StatusSeeOther)
}

// createCredential makes an API key or app password and shows it once.
func (s *Server) createCredential(kind digest.CredentialKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.parseForm(w, r); err != nil {
			s.pageError(w, r, err)
			return
		}
		name := strings.TrimSpace(r.PostForm.Get("name"))
		if name == "" {
			name = "unnamed"
		}
		secret, _, err := s.auth.NewCredential(r.Context(), userOf(r), kind, name, 0)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.renderSettings(w, r, http.StatusOK, settingsPage{NewSecret: secret, NewKind: string(kind), NewName: name})
	}
}

func (s *Server) deleteCredential(kind digest.CredentialKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		ctx := r.Context()
		u := userOf(r)
		if kind == digest.AppPassword {
			err = s.auth.DeleteAppPassword(ctx, u, id)
		} else {
			err = s.deleteOwnCredential(r, kind, id)
		}
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		http.Redirect(w, r, "/settings#"+strings.ReplaceAll(string(kind), "_", "-"), http.StatusSeeOther)
	}
}

// deleteOwnCredential removes one of the user's credentials of a kind;
// another kind's ID is not found.
func (s *Server) deleteOwnCredential(r *http.Request, kind digest.CredentialKind, id int64) error {
	cs, err := s.store.Credentials(r.Context(), uid(r), kind)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.ID == id {
			return s.store.DeleteCredential(r.Context(), uid(r), id)
		}
	}
	return digest.Errorf(digest.ENOTFOUND, "%s %d not found", strings.ReplaceAll(string(kind), "_", " "), id)
}

type usersPage struct {
	layout
	Users           []digest.User
	Self            int64
	Name            string
	Notice, Problem string
}

func (s *Server) users(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, usersPage{})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, p usersPage) {
	list, err := s.store.Users(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.layout, p.Users, p.Self = s.layout(r, "Users", "users"), list, uid(r)
	s.render(w, r, status, "users", p)
}

func (s *Server) userAdd(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	role := digest.Role(r.PostForm.Get("role"))
	if role != digest.RoleAdmin {
		role = digest.RoleUser
	}
	if _, err := s.auth.CreateUser(r.Context(), name, role, r.PostForm.Get("password")); err != nil {
		if c := digest.ErrorCode(err); c == digest.EINVALID || c == digest.ECONFLICT {
			s.renderUsers(w, r, httpStatus(err), usersPage{Name: name, Problem: errorMessage(err)})
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.renderUsers(w, r, http.StatusOK, usersPage{Notice: "Added " + name + "."})
}

func (s *Server) userDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if id == uid(r) {
		s.renderUsers(w, r, http.StatusConflict, usersPage{Problem: "You cannot remove yourself; another admin can."})
		return
	}
	if err := s.store.DeleteUser(r.Context(), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (s *Server) userRole(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	role := digest.Role(r.PostForm.Get("role"))
	if !role.Valid() {
		s.pageError(w, r, digest.Errorf(digest.EINVALID, "unknown role %q", role))
		return
	}
	if id == uid(r) && role != digest.RoleAdmin {
		s.renderUsers(w, r, http.StatusConflict, usersPage{Problem: "You cannot take your own admin role; another admin can."})
		return
	}
	u, err := s.store.User(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u.Role = role
	if err := s.store.UpdateUser(r.Context(), u); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}
