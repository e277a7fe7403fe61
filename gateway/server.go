package gateway

import (
	"log/slog"
	"net/http"

	"github.com/logateway/logateway/config"
)

// NewServer is the public listener's server: the timeouts and header limit of
// server.*, and net/http's own complaints (TLS handshakes, bad requests) logged
// as warnings through logger. Only a restart changes these limits.
func NewServer(h http.Handler, limits config.ServerLimit, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: limits.ReadHeaderTimeout.D(),
		ReadTimeout:       limits.ReadTimeout.D(),
		WriteTimeout:      limits.WriteTimeout.D(),
		IdleTimeout:       limits.IdleTimeout.D(),
		MaxHeaderBytes:    limits.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
