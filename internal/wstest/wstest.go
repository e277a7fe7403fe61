// Package wstest is just enough of RFC 6455 for tests that push a WebSocket
// through the proxy: the handshake's accept value, short unfragmented frames,
// and an echo handler for an upstream.
package wstest

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
)

// Accept computes Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2).
func Accept(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// ReadFrame reads one unfragmented frame of at most 125 bytes and unmasks it.
func ReadFrame(r *bufio.Reader) (opcode byte, payload []byte, err error) {
	var hdr [2]byte
	if _, err = io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := int(hdr[1] & 0x7f)
	if n > 125 {
		return 0, nil, errors.New("wstest: frame longer than 125 bytes")
	}
	var mask [4]byte
	masked := hdr[1]&0x80 != 0
	if masked {
		if _, err = io.ReadFull(r, mask[:]); err != nil {
			return 0, nil, err
		}
	}
	payload = make([]byte, n)
	if _, err = io.ReadFull(r, payload); err != nil {
		return 0, nil, err
	}
	if masked {
		for i := range payload {
			payload[i] ^= mask[i%4]
		}
	}
	return hdr[0] & 0x0f, payload, nil
}

// WriteFrame writes one text frame; clients must mask, servers must not.
func WriteFrame(w io.Writer, payload []byte, mask bool) error {
	if len(payload) > 125 {
		return errors.New("wstest: frame longer than 125 bytes")
	}
	frame := []byte{0x81, byte(len(payload))}
	if !mask {
		frame = append(frame, payload...)
	} else {
		key := [4]byte{7, 1, 9, 3}
		frame[1] |= 0x80
		frame = append(frame, key[:]...)
		for i, b := range payload {
			frame = append(frame, b^key[i%4])
		}
	}
	_, err := w.Write(frame)
	return err
}

// Echo upgrades the request and echoes short text frames until the peer leaves.
// seen, when not nil, is called with the upgrade request first.
func Echo(seen func(*http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			http.Error(w, "want a websocket upgrade", http.StatusBadRequest)
			return
		}
		if seen != nil {
			seen(r)
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
			Accept(r.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n")
		_ = rw.Flush()
		for {
			_, payload, err := ReadFrame(rw.Reader)
			if err != nil {
				return
			}
			if WriteFrame(conn, payload, false) != nil {
				return
			}
		}
	}
}
