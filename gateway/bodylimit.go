package gateway

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
)

// The gateway's own routes take tiny bodies or none: a sign-out form is a CSRF
// token and a redirect path, a hand-off is a code and a state. Without these
// bounds any client could make an unauthenticated route hold a large upload in
// memory or spill it to disk (multipart). They are not settings: no legitimate
// request comes near them.
const (
	// maxGatewayBody bounds what any /__lo/ route may read of a request body.
	maxGatewayBody = 16 << 10
	// maxLogoutBody bounds the sign-out form.
	maxLogoutBody = 4 << 10
	// maxMultipartMemory is gin's buffer for a multipart form; no gateway route
	// accepts one, so this only matters if one ever parses it by mistake.
	maxMultipartMemory = 64 << 10
)

// limitBody caps the body every gateway route may read. Reading past the cap
// fails with *http.MaxBytesError, and the server closes the connection rather
// than draining the rest.
func limitBody(c *gin.Context) {
	if r := c.Request; r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(c.Writer, r.Body, maxGatewayBody)
	}
}

// errFormType and errFormSize say why readForm refused a body.
var (
	errFormType = errors.New("the body is not application/x-www-form-urlencoded")
	errFormSize = errors.New("the form is larger than the route accepts")
)

// readForm reads a url-encoded form of at most limit bytes, and nothing else:
// a multipart body is refused before a byte of it is read (the multipart
// parser keeps up to 32 MiB in memory and writes the rest to disk). A request
// without a body is an empty form. The query is not part of the result.
func readForm(c *gin.Context, limit int64) (url.Values, error) {
	r := c.Request
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 && len(r.TransferEncoding) == 0 {
		return url.Values{}, nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, errFormType
	}
	if r.ContentLength > limit {
		return nil, errFormSize
	}
	r.Body = http.MaxBytesReader(c.Writer, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errFormSize
		}
		return nil, err
	}
	return r.PostForm, nil
}

// formFailure answers a body readForm refused: 415 for the wrong type, 413
// for a form too large, 400 for one that does not parse.
func (g *Gateway) formFailure(c *gin.Context, s *site, err error) {
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, errFormType):
		status = http.StatusUnsupportedMediaType
	case errors.Is(err, errFormSize):
		status = http.StatusRequestEntityTooLarge
	}
	// The rest of the body is not read; the connection is not reused.
	c.Header("Connection", "close")
	g.fail(c, s, badRequest(status, "This form could not be read. Use the site's own sign-out button.", err))
}

// A client that sends its body slowly, or stops halfway, holds a goroutine and
// a descriptor for as long as it likes when the server has no read timeout
// (server.read_timeout is 0 so that uploads and WebSockets can stream). The
// gateway therefore sets a read deadline per request, through
// http.ResponseController, on requests that have a body: the whole body must
// arrive within server.body_timeout on the gateway's own routes, and on
// proxied and relayed requests no pause between two reads may last longer
// (a long upload that keeps moving is fine). A request without a body sets no
// deadline, so WebSockets and SSE are untouched. Once the body is read the
// deadline is lifted: a pending read deadline would otherwise cancel the
// request's context in the middle of a slow answer.

// bodyDeadline arms the read deadline for c's body; idle chooses the per-read
// form. It does nothing for a request without a body.
func bodyDeadline(c *gin.Context, timeout time.Duration, idle bool) {
	r := c.Request
	if timeout <= 0 || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 && len(r.TransferEncoding) == 0 {
		return
	}
	if _, ok := r.Body.(*deadlineBody); ok {
		return
	}
	rc := http.NewResponseController(c.Writer)
	if rc.SetReadDeadline(time.Now().Add(timeout)) != nil {
		return // not a connection we can set deadlines on (a test recorder)
	}
	b := &deadlineBody{ReadCloser: r.Body, rc: rc}
	if idle {
		b.idle = timeout
	}
	r.Body = b
}

// deadlineBody lifts the read deadline when the body ends, and in idle mode
// pushes it back after every read that returned data.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case b.done:
	case err == io.EOF:
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	case err != nil:
		// A timeout (or a body too large): the deadline stays, so that the
		// server's own attempt to drain the rest after the handler fails at
		// once instead of waiting on the same slow client.
		b.done = true
		_ = b.rc.SetReadDeadline(time.Now())
	case n > 0 && b.idle > 0:
		_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	}
	return n, err
}
