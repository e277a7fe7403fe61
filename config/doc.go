// Package config reads, completes and checks the gateway configuration.
//
// A configuration is one YAML file (named by --config or LOGATEWAY_CONFIG) whose keys map
// one-to-one onto the types in schema.go. Secrets never have to be in that file: client
// secrets, session keys and the Redis password come from environment variables or files,
// and Load resolves them into the yaml:"-" fields (ECA.Secret, IdP.Secret, Session.Keys,
// Redis.Password, Signin.JWT.Key). Load reports every problem at once, each naming its key
// path, line and fix, so an admin fixes a file in one pass instead of one error per start.
// Checklist prints what the admin must enter in Salesforce Setup for each site.
package config

// The configuration reference, docs/configuration.md, is generated from the
// comments beside the fields of schema.go: change them, then run go generate.
//go:generate go run ../internal/configref/gen -config . -o ../docs/configuration.md
