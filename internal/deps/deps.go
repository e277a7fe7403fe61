// Package deps pins the module's dependencies while the packages that use them are written.
package deps

import (
	_ "github.com/alicebob/miniredis/v2"
	_ "github.com/chromedp/chromedp"
	_ "github.com/coreos/go-oidc/v3/oidc"
	_ "github.com/gin-gonic/gin"
	_ "github.com/go-jose/go-jose/v4"
	_ "github.com/gorilla/sessions"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/oauth2"
)
