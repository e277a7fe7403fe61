package testidp

import (
	"context"
	"html/template"
	"net/http"
)

// The login form, for browser tests: open the client's authorization URL,
// fill LoginFormUsername and LoginFormPassword, click LoginFormSubmit. A
// wrong password shows the form again with LoginFormError holding the message.
const (
	LoginPath         = "/login/username"
	LoginFormID       = "id"                    // hidden: the auth request id
	LoginFormUsername = "username"              // <input name="username" id="username">
	LoginFormPassword = "password"              // <input name="password" id="password" type="password">
	LoginFormSubmit   = `button[type="submit"]` // CSS selector of the sign-in button
	LoginFormError    = "#error"                // CSS selector of the error line
	LoginFormSelector = `form[action="/login/username"]`
)

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test IdP sign-in</title></head>
<body>
<h1>Test IdP</h1>
<form method="POST" action="/login/username">
<input type="hidden" name="id" value="{{.ID}}">
<label for="username">Username</label> <input id="username" name="username" autocomplete="username" value="{{.Username}}">
<label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password">
<p id="error" role="alert">{{.Error}}</p>
<button type="submit">Sign in</button>
</form>
</body></html>
`))

// loginForm asks for a username and password; the example storage checks
// them and marks the auth request done, then the provider's callback issues
// the code.
type loginForm struct {
	check    func(username, password, id string) error
	callback func(ctx context.Context, id string) string
}

type loginData struct{ ID, Username, Error string }

func (l *loginForm) show(w http.ResponseWriter, r *http.Request) {
	l.render(w, http.StatusOK, loginData{ID: r.URL.Query().Get("authRequestID")})
}

func (l *loginForm) submit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, user := r.PostForm.Get(LoginFormID), r.PostForm.Get(LoginFormUsername)
	if err := l.check(user, r.PostForm.Get(LoginFormPassword), id); err != nil {
		l.render(w, http.StatusUnauthorized, loginData{ID: id, Username: user, Error: err.Error()})
		return
	}
	http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
}

func (l *loginForm) render(w http.ResponseWriter, status int, d loginData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	loginPage.Execute(w, d)
}
