package gateway

import (
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/logateway/logateway/gateway/auth"
)

// signoutNote is what the signed-out page is told by the sign-out that sent the
// browser there (a signed, encrypted, five-minute cookie): where to go next and
// what was done.
type signoutNote struct {
	Redirect string `json:"r"`
	Revoke   string `json:"v"`           // "ok", "failed", or "none" (no session here)
	Org      string `json:"o"`           // orgByEndSession or orgByLogoutPage
	State    string `json:"s,omitempty"` // echoed by the org's end-session redirect
	Created  int64  `json:"c"`
}

const signoutNoteLife = 5 * time.Minute

// signoutNotes reads and writes the sign-out note cookie.
type signoutNotes struct {
	name   string
	secure bool
	codecs []securecookie.Codec
}

func newSignoutNotes(keys [][]byte, secure bool) (*signoutNotes, error) {
	if len(keys) == 0 {
		return nil, errors.New("gateway: no session keys to protect the sign-out note")
	}
	n := &signoutNotes{name: "lo_signout", secure: secure, codecs: auth.DerivedCodecs(keys, "sign-out note", signoutNoteLife)}
	if secure {
		n.name = "__Host-lo_signout"
	}
	return n, nil
}

func (n *signoutNotes) write(w http.ResponseWriter, note signoutNote) error {
	v, err := securecookie.EncodeMulti(n.name, note, n.codecs[0])
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: n.name, Value: v, Path: "/", MaxAge: int(signoutNoteLife / time.Second),
		HttpOnly: true, Secure: n.secure, SameSite: http.SameSiteLaxMode})
	return nil
}

// take reads and clears the note; ok is false when there is none or it is not ours.
func (n *signoutNotes) take(w http.ResponseWriter, r *http.Request) (signoutNote, bool) {
	c, err := r.Cookie(n.name)
	if err != nil {
		return signoutNote{}, false
	}
	http.SetCookie(w, &http.Cookie{Name: n.name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: n.secure, SameSite: http.SameSiteLaxMode})
	var note signoutNote
	if securecookie.DecodeMulti(n.name, c.Value, &note, n.codecs...) != nil || time.Since(time.Unix(note.Created, 0)) > signoutNoteLife {
		return signoutNote{}, false
	}
	return note, true
}
