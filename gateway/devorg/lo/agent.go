package lo

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxMessageRunes bounds one chat message, like the real client's input limit.
const maxMessageRunes = 2000

type messageRequest struct {
	Text    string `json:"text"`
	AgentID string `json:"agentId,omitempty"`
}

type messageReply struct {
	Reply string `json:"reply"`
}

type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// messages is the canned agent: it answers on the org origin and only with the
// org session, so an expired session visibly breaks the chat.
func (h *handler) messages(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, apiError{"METHOD_NOT_ALLOWED", "use POST"})
		return
	}
	// A JSON content type forces a CORS preflight (never answered) on
	// cross-site requests, and a foreign Origin is refused outright, so the
	// SameSite=None session cookie cannot be used to chat from another site.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, apiError{"UNSUPPORTED_MEDIA_TYPE", fmt.Sprintf("expected Content-Type application/json, got %q", r.Header.Get("Content-Type"))})
		return
	}
	if o := r.Header.Get("Origin"); o != "" {
		if u, err := url.Parse(o); err != nil || !strings.EqualFold(u.Host, r.Host) {
			writeJSON(w, http.StatusForbidden, apiError{"FORBIDDEN", "cross-origin chat requests are not allowed"})
			return
		}
	}
	s, ok := h.opts.SessionFromRequest(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, apiError{"INVALID_SESSION_ID", "Your Salesforce session ended. Sign in again to keep chatting."})
		return
	}
	var req messageRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"INVALID_INPUT", "expected a JSON body {\"text\": \"...\"}: " + err.Error()})
		return
	}
	text := strings.TrimSpace(req.Text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		writeJSON(w, http.StatusBadRequest, apiError{"INVALID_INPUT", "text is required"})
		return
	case n > maxMessageRunes:
		writeJSON(w, http.StatusBadRequest, apiError{"INVALID_INPUT", fmt.Sprintf("text has %d characters, at most %d are allowed", n, maxMessageRunes)})
		return
	}
	writeJSON(w, http.StatusOK, messageReply{Reply: CannedReply(s, text)})
}

// cannedTopics are the few things the canned agent pretends to know about,
// matched on lower-case words of the question; the first match wins.
var cannedTopics = []struct {
	words  []string
	answer string
}{
	{[]string{"hello", "hi", "hey"}, "Nice to meet you. Ask me anything and I will answer from my canned script."},
	{[]string{"order", "shipping", "delivery"}, "Your most recent order is on its way and should arrive within three business days."},
	{[]string{"case", "ticket", "support"}, "I opened a support case for you; its number is 00001026."},
	{[]string{"help", "what can you do"}, "I can talk about orders, support cases and your account."},
	{[]string{"account", "profile"}, "Your account is active and in good standing."},
}

// CannedReply is the agent's answer: deterministic, friendly, and it always
// names the user and echoes the question so tests can assert on it.
func CannedReply(s Session, text string) string {
	name := displayName(s)
	if name == "" {
		name = "there"
	}
	answer := "I'm the devorg demo agent, so I can only give canned answers, but I received your message."
	lower := strings.ToLower(text)
	fields := strings.FieldsFunc(lower, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
topics:
	for _, t := range cannedTopics {
		for _, w := range t.words {
			if strings.Contains(w, " ") && strings.Contains(lower, w) || containsWord(fields, w) {
				answer = t.answer
				break topics
			}
		}
	}
	return fmt.Sprintf("Hi %s! You asked: \"%s\". %s", name, text, answer)
}

func containsWord(fields []string, w string) bool {
	for _, f := range fields {
		if f == w {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
