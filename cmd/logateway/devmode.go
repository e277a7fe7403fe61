package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
)

// devOrg is the emulated Salesforce org that dev mode without a config starts
// beside the gateway, and the config that points the gateway at it.
type devOrg struct {
	url   string
	users [][2]string // active interactive users (username, password), for the dev page
	cfg   *config.Config
	srv   *http.Server
}

// startDevOrg starts the emulated org on f.orgListen for a gateway listening
// on gatewayLn, and builds the gateway's dev config for it. Close stops it.
func startDevOrg(gatewayLn net.Listener, f serveFlags) (*devOrg, error) {
	port := gatewayLn.Addr().(*net.TCPAddr).Port
	gatewayURL := fmt.Sprintf("http://localhost:%d", port)
	orgLn, err := net.Listen("tcp", f.orgListen)
	if err != nil {
		return nil, fmt.Errorf("dev mode: the emulated org cannot listen on %s: %w (use --dev-org-listen)", f.orgListen, err)
	}
	d := &devOrg{url: "http://" + orgLn.Addr().String()}
	oc := devorg.DefaultConfig(d.url, []string{gatewayURL + "/callback.html"}, []string{gatewayURL})
	oc.Knobs, oc.DevBanner = true, true
	org, err := devorg.New(oc)
	if err != nil {
		_ = orgLn.Close()
		return nil, err
	}
	for _, u := range oc.Users {
		if u.Active && !u.APIOnly {
			d.users = append(d.users, [2]string{u.Username, u.Password})
		}
	}
	d.srv = &http.Server{Handler: org, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = d.srv.Serve(orgLn) }()
	d.cfg = config.Dev(gatewayURL, d.url)
	d.cfg.ApplyOverrides("", f.admin, f.level)
	if err := config.Validate(d.cfg); err != nil {
		d.Close()
		return nil, fmt.Errorf("dev config: %w", err)
	}
	return d, nil
}

// Close stops the emulated org.
func (d *devOrg) Close() { _ = d.srv.Close() }
