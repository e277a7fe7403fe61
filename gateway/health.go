package gateway

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz is liveness: the process serves requests. It needs no site, so a
// load balancer may ask it by any host name.
func (g *Gateway) healthz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.String(http.StatusOK, "ok\n")
}

// readyz is readiness: the session store answers, so signed-in visitors can
// be served.
func (g *Gateway) readyz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if err := g.Ready(c.Request.Context()); err != nil {
		// The public listener answers anyone: the cause (store addresses,
		// driver messages) goes to the log, not to the caller.
		g.deps.Logger.Warn("not ready", "rid", info(c).rid, "err", err.Error())
		c.String(http.StatusServiceUnavailable, "not ready: the session store is unreachable\n")
		return
	}
	c.String(http.StatusOK, "ready\n")
}

// Ready reports whether the gateway can serve signed-in visitors (store reachable).
func (g *Gateway) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := g.deps.Store.Ping(ctx); err != nil {
		return fmt.Errorf("session store unreachable: %w", err)
	}
	return nil
}
